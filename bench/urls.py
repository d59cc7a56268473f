"""config.urls plus the floor view the benchmark measures every scenario against."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

from . import views

urlpatterns = [
    path("bench/floor/<str:merchant_trans_id>/", views.floor, name="bench-floor"),
    *site_urlpatterns,
]
