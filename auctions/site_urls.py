"""The server-rendered website for sellers and bidders."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from . import site_views
from .models import MERCHANT_TRANS_ID_PATTERN

app_name = "site"

urlpatterns = [
    path("", site_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # Where every provider sends the seller's browser back after paying.
    re_path(
        rf"^payments/(?P<merchant_trans_id>{MERCHANT_TRANS_ID_PATTERN})/$",
        site_views.payment_result,
        name="payment-result",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
