"""The server-rendered website for sellers and bidders."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from . import site_views
from .models import MERCHANT_TRANS_ID_PATTERN

app_name = "site"

urlpatterns = [
    path("", site_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", site_views.signup, name="signup"),
    path("auctions/<int:pk>/", site_views.auction_detail, name="auction-detail"),
    path("auctions/<int:pk>/live/", site_views.auction_live, name="auction-live"),
    path("auctions/<int:pk>/bid/", site_views.auction_bid, name="auction-bid"),
    path("my/listings/", site_views.my_listings, name="my-listings"),
    path("my/listings/new/", site_views.listing_edit, name="listing-create"),
    path("my/listings/<int:pk>/edit/", site_views.listing_edit, name="listing-edit"),
    path(
        "my/listings/<int:listing_pk>/auction/",
        site_views.auction_create,
        name="auction-create",
    ),
    path("my/auctions/", site_views.my_auctions, name="my-auctions"),
    path("my/auctions/<int:pk>/pay/", site_views.auction_pay, name="auction-pay"),
    path("my/bids/", site_views.my_bids, name="my-bids"),
    # Where every provider sends the seller's browser back after paying.
    re_path(
        rf"^payments/(?P<merchant_trans_id>{MERCHANT_TRANS_ID_PATTERN})/$",
        site_views.payment_result,
        name="payment-result",
    ),
    re_path(
        rf"^payments/(?P<merchant_trans_id>{MERCHANT_TRANS_ID_PATTERN})/status/$",
        site_views.payment_status,
        name="payment-status",
    ),
    re_path(r"^media/(?P<path>listings/.+)$", site_views.media, name="media"),
]
