from django.urls import path, re_path

from auctions.models import MERCHANT_TRANS_ID_PATTERN

from . import views

app_name = "medogram"

urlpatterns = [
    path("", views.MyPaymentsView.as_view(), name="list"),
    path("callback/", views.callback, name="callback"),
    re_path(
        rf"^status/(?P<merchant_trans_id>{MERCHANT_TRANS_ID_PATTERN})/$",
        views.PaymentStatusView.as_view(),
        name="status",
    ),
]
