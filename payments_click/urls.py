"""Click SHOP-API callbacks at the canonical URLs: /api/payments/click/ (CONTRACT 3)."""

from django.urls import path

from . import views

app_name = "click"

urlpatterns = [
    path("prepare/", views.prepare, name="prepare"),
    path("complete/", views.complete, name="complete"),
    # A merchant panel may hold the URL without its slash; a redirect would lose the POST.
    path("prepare", views.prepare),
    path("complete", views.complete),
]
