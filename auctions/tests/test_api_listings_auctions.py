"""Listings and auctions over the seller API (CONTRACT 2)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import (
    ActiveAuctionFactory,
    AuctionFactory,
    BidFactory,
    ListingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def auction_body(listing, **changes):
    start = timezone.now() + datetime.timedelta(hours=2)
    body = {
        "listing": listing.pk,
        "starting_price": "450000000.00",
        "min_increment": "1000000",
        "start_time": start.isoformat(),
        "end_time": (start + datetime.timedelta(days=3)).isoformat(),
    }
    body.update(changes)
    return body


def test_create_listing_returns_it_with_an_id(seller_api, seller):
    answer = seller_api.post(
        "/api/listings/",
        {
            "title": "3 rooms in Chilonzor",
            "description": "Quiet street",
            "address": "Tashkent, Chilonzor 9",
            "rooms": 3,
            "area": "72.5",
            "floor": 4,
        },
        format="json",
    )

    assert answer.status_code == 201
    body = answer.json()
    assert body["id"] > 0
    assert (body["owner"], body["rooms"], body["area"]) == (seller.pk, 3, "72.50")


def test_listing_needs_authentication_to_create_but_not_to_read(api):
    listing = ListingFactory()

    assert api.post("/api/listings/", {"title": "x"}).status_code == 401
    assert api.get("/api/listings/").status_code == 200
    assert api.get(f"/api/listings/{listing.pk}/").json()["title"] == listing.title


@pytest.mark.parametrize(
    "changes", [{"rooms": 0}, {"area": "-5"}, {"title": ""}, {"address": "a\x00b"}]
)
def test_listing_validation(seller_api, changes):
    body = {"title": "Flat", "address": "Tashkent", "rooms": 2, "area": "40"}
    body.update(changes)

    answer = seller_api.post("/api/listings/", body, format="json")

    assert answer.status_code == 400
    assert set(changes) <= set(answer.json())


def test_only_the_owner_edits_a_listing(seller, bidder):
    listing = ListingFactory(owner=seller)

    assert (
        client_for(bidder).patch(f"/api/listings/{listing.pk}/", {"title": "Mine"}).status_code
        == 403
    )
    assert (
        client_for(seller).patch(f"/api/listings/{listing.pk}/", {"title": "Mine"}).status_code
        == 200
    )


def test_create_auction_starts_pending_payment(seller_api, seller):
    listing = ListingFactory(owner=seller)

    answer = seller_api.post("/api/auctions/", auction_body(listing), format="json")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["status"], body["is_paid"], body["listing"]) == (
        "pending_payment",
        False,
        listing.pk,
    )
    assert body["current_price"] == "450000000.00"
    assert body["reserve_met"] is None
    assert Auction.objects.get(pk=body["id"]).seller == seller


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starting_price": "0"}, "starting_price"),
        ({"starting_price": "-10"}, "starting_price"),
        ({"min_increment": "0"}, "min_increment"),
        ({"reserve_price": "-1"}, "reserve_price"),
        ({"starting_price": "NaN"}, "starting_price"),
        ({"starting_price": "1e400"}, "starting_price"),
        ({"starting_price": "123456789012345.00"}, "starting_price"),
    ],
)
def test_create_auction_refuses_bad_prices(seller_api, seller, changes, field):
    listing = ListingFactory(owner=seller)

    answer = seller_api.post("/api/auctions/", auction_body(listing, **changes), format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert not Auction.objects.exists()


def test_create_auction_refuses_end_before_start(seller_api, seller):
    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(days=2)
    body = auction_body(
        listing,
        start_time=start.isoformat(),
        end_time=(start - datetime.timedelta(hours=1)).isoformat(),
    )

    answer = seller_api.post("/api/auctions/", body, format="json")

    assert answer.status_code == 400
    assert "end_time" in answer.json()


def test_create_auction_refuses_a_start_in_the_past(seller_api, seller):
    listing = ListingFactory(owner=seller)
    start = timezone.now() - datetime.timedelta(minutes=5)

    answer = seller_api.post(
        "/api/auctions/", auction_body(listing, start_time=start.isoformat()), format="json"
    )

    assert answer.status_code == 400
    assert "start_time" in answer.json()


def test_create_auction_accepts_a_start_just_now(seller_api, seller):
    listing = ListingFactory(owner=seller)
    start = timezone.now() - datetime.timedelta(seconds=20)

    answer = seller_api.post(
        "/api/auctions/", auction_body(listing, start_time=start.isoformat()), format="json"
    )

    assert answer.status_code == 201


def test_minimum_duration_is_an_operator_setting(seller_api, seller, settings):
    settings.AUCTION_MIN_DURATION = 7200
    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(hours=1)

    answer = seller_api.post(
        "/api/auctions/",
        auction_body(
            listing,
            start_time=start.isoformat(),
            end_time=(start + datetime.timedelta(hours=1)).isoformat(),
        ),
        format="json",
    )

    assert answer.status_code == 400
    assert "end_time" in answer.json()


def test_create_auction_refuses_someone_elses_listing(seller_api):
    listing = ListingFactory(owner=UserFactory(username="other"))

    answer = seller_api.post("/api/auctions/", auction_body(listing), format="json")

    assert answer.status_code == 400
    assert "listing" in answer.json()


def test_create_auction_refuses_a_listing_already_on_auction(seller_api, seller):
    listing = ListingFactory(owner=seller)
    AuctionFactory(listing=listing)

    answer = seller_api.post("/api/auctions/", auction_body(listing), format="json")

    assert answer.status_code == 400
    assert "listing" in answer.json()


def test_create_auction_needs_authentication(api):
    listing = ListingFactory()

    assert api.post("/api/auctions/", auction_body(listing), format="json").status_code == 401


def test_list_shows_paid_auctions_and_my_own(seller, bidder):
    mine_unpaid = AuctionFactory(seller=seller, listing__owner=seller)
    others_unpaid = AuctionFactory()
    others_paid = ActiveAuctionFactory()

    ids_for_seller = {a["id"] for a in client_for(seller).get("/api/auctions/").json()}
    ids_for_anonymous = {a["id"] for a in APIClient().get("/api/auctions/").json()}

    assert ids_for_seller == {mine_unpaid.pk, others_paid.pk}
    assert ids_for_anonymous == {others_paid.pk}
    assert APIClient().get(f"/api/auctions/{others_unpaid.pk}/").status_code == 404


def test_auction_fields_and_hidden_reserve(seller, bidder):
    auction = ActiveAuctionFactory(
        seller=seller, listing__owner=seller, reserve_price=Decimal("600000000")
    )
    BidFactory(auction=auction, bidder=bidder, amount=Decimal("500000000"))
    auction.current_price, auction.bid_count = Decimal("500000000"), 1
    auction.save()

    as_bidder = client_for(bidder).get(f"/api/auctions/{auction.pk}/").json()
    as_seller = client_for(seller).get(f"/api/auctions/{auction.pk}/").json()

    assert "reserve_price" not in as_bidder
    assert as_seller["reserve_price"] == "600000000.00"
    assert as_bidder["reserve_met"] is False
    assert (as_bidder["current_price"], as_bidder["bid_count"]) == ("500000000.00", 1)
    expected = {
        "id",
        "listing",
        "status",
        "is_paid",
        "start_time",
        "end_time",
        "starting_price",
        "min_increment",
        "current_price",
        "bid_count",
        "reserve_met",
    }
    assert expected <= set(as_bidder)


def test_status_follows_the_clock_without_any_job(api):
    auction = ActiveAuctionFactory(status=AuctionStatus.SCHEDULED)
    auction.start_time = timezone.now() - datetime.timedelta(hours=2)
    auction.end_time = timezone.now() - datetime.timedelta(seconds=1)
    auction.save()
    upcoming = ActiveAuctionFactory(
        start_time=timezone.now() + datetime.timedelta(hours=1), status=AuctionStatus.SCHEDULED
    )
    live = ActiveAuctionFactory(status=AuctionStatus.SCHEDULED)

    def status_of(a):
        return api.get(f"/api/auctions/{a.pk}/").json()["status"]

    assert (status_of(auction), status_of(upcoming), status_of(live)) == (
        "ended",
        "scheduled",
        "active",
    )


def test_unknown_or_malformed_ids_are_404(api):
    assert api.get("/api/auctions/999999/").status_code == 404
    assert api.get("/api/auctions/abc/").status_code == 404
    assert api.get("/api/listings/%00/").status_code == 404
