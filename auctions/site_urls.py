"""The server-rendered website for sellers and bidders."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path, register_converter

from . import site_views
from .models import MERCHANT_TRANS_ID_PATTERN


class IdConverter:
    """A row id that fits a bigint: a longer number is a 404, never a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "site_id")

app_name = "site"

urlpatterns = [
    path("", site_views.home, name="home"),
    path("accounts/login/", site_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", site_views.signup, name="signup"),
    path("auctions/<site_id:pk>/", site_views.auction_detail, name="auction-detail"),
    path("auctions/<site_id:pk>/live/", site_views.auction_live, name="auction-live"),
    path("auctions/<site_id:pk>/bid/", site_views.auction_bid, name="auction-bid"),
    path("auctions/<site_id:pk>/deposit/", site_views.auction_deposit, name="auction-deposit"),
    path("my/listings/", site_views.my_listings, name="my-listings"),
    path("my/listings/new/", site_views.listing_edit, name="listing-create"),
    path("my/listings/<site_id:pk>/edit/", site_views.listing_edit, name="listing-edit"),
    path(
        "my/listings/<site_id:listing_pk>/auction/",
        site_views.auction_create,
        name="auction-create",
    ),
    path("my/auctions/", site_views.my_auctions, name="my-auctions"),
    path("my/auctions/<site_id:pk>/pay/", site_views.auction_pay, name="auction-pay"),
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
    path("favicon.ico", site_views.favicon, name="favicon"),
]
