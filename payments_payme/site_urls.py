"""The website's "My cards" page and the pay page's saved-card choice (under /my/)."""

from django.urls import path

from . import card_views

app_name = "payme-site"

urlpatterns = [
    path("cards/", card_views.my_cards, name="my-cards"),
    path("cards/<int:pk>/remove/", card_views.remove_card, name="remove-card"),
    path("auctions/<int:pk>/pay/card/", card_views.pay_with_card, name="pay-with-card"),
]
