"""The server-rendered website for sellers and bidders."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import site_views

app_name = "site"

urlpatterns = [
    path("", site_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
