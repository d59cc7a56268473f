from django.urls import path

from . import views

app_name = "payme"

urlpatterns = [
    path("", views.endpoint, name="endpoint"),
]
