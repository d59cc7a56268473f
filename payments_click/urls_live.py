"""The same callbacks at /api/auctions/click/: the URLs registered in the live Click panel."""

from django.urls import path

from . import views

app_name = "click-live"

urlpatterns = [
    path("prepare/", views.prepare, name="prepare"),
    path("complete/", views.complete, name="complete"),
    path("prepare", views.prepare),
    path("complete", views.complete),
]
