"""The website's "My cards" page and the pay page's saved-card choice (under /my/)."""

from django.urls import path, re_path

from . import card_views

app_name = "payme-site"

urlpatterns = [
    path("cards/", card_views.my_cards, name="my-cards"),
    # Ids that fit a bigint only: a longer number is a 404, never a database error.
    re_path(r"^cards/(?P<pk>[0-9]{1,18})/remove/$", card_views.remove_card, name="remove-card"),
    re_path(
        r"^auctions/(?P<pk>[0-9]{1,18})/pay/card/$",
        card_views.pay_with_card,
        name="pay-with-card",
    ),
]
