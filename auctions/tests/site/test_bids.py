"""Bidding on the website: a confirm step, then services.place_bid with the form's key."""

import re
from decimal import Decimal

import pytest

from auctions.models import Bid
from auctions.tests.factories import ActiveAuctionFactory, AuctionFactory

pytestmark = pytest.mark.django_db


def key_of(page) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page.content.decode())[1]


def test_first_post_asks_for_confirmation_and_places_nothing(bidder_client):
    auction = ActiveAuctionFactory()
    key = key_of(bidder_client.get(f"/auctions/{auction.pk}/"))

    page = bidder_client.post(
        f"/auctions/{auction.pk}/bid/", {"amount": "501000000", "idempotency_key": key}
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert "Confirm your bid of 501,000,000 UZS?" in text
    assert 'name="confirmed" value="1"' in text
    assert f'name="idempotency_key" value="{key}"' in text
    assert Bid.objects.count() == 0


def test_a_double_tap_on_confirm_places_one_bid(bidder_client, bidder):
    auction = ActiveAuctionFactory()
    key = key_of(bidder_client.get(f"/auctions/{auction.pk}/"))
    confirm = {"amount": "500000000", "idempotency_key": key, "confirmed": "1"}

    first = bidder_client.post(f"/auctions/{auction.pk}/bid/", confirm)
    second = bidder_client.post(f"/auctions/{auction.pk}/bid/", confirm)

    assert (first.status_code, second.status_code) == (302, 302)
    bid = Bid.objects.get()
    assert (bid.bidder, bid.amount, bid.idempotency_key) == (bidder, Decimal("500000000"), key)
    auction.refresh_from_db()
    assert (auction.current_price, auction.bid_count) == (Decimal("500000000"), 1)
    page = bidder_client.get(first["Location"]).content.decode()
    assert "Your bid of 500,000,000 UZS" in page


def test_each_page_load_gets_a_new_key(bidder_client):
    auction = ActiveAuctionFactory()

    first = key_of(bidder_client.get(f"/auctions/{auction.pk}/"))
    second = key_of(bidder_client.get(f"/auctions/{auction.pk}/"))

    assert first != second


def test_a_bid_outbid_between_its_two_steps_is_refused_in_the_readers_money(bidder_client):
    auction = ActiveAuctionFactory(current_price=Decimal("500000000"), bid_count=1)
    key = key_of(bidder_client.get(f"/auctions/{auction.pk}/"))

    page = bidder_client.post(
        f"/auctions/{auction.pk}/bid/",
        {"amount": "500500000", "idempotency_key": key, "confirmed": "1"},
    )

    assert page.status_code == 400
    assert "The bid must be at least 501,000,000 UZS." in page.content.decode()
    assert Bid.objects.count() == 0


def test_the_seller_cannot_bid(seller_client, seller):
    auction = ActiveAuctionFactory(listing__owner=seller)

    page = seller_client.post(
        f"/auctions/{auction.pk}/bid/",
        {
            "amount": "500000000",
            "idempotency_key": "8c1f9a52-3d59-4c38-9c4b-2a8f0d1e7b11",
            "confirmed": "1",
        },
    )

    assert "The seller cannot bid on their own auction." in page.content.decode()
    assert Bid.objects.count() == 0


def test_a_bid_on_a_scheduled_auction_is_refused(bidder_client):
    auction = AuctionFactory(is_paid=True, status="scheduled")

    page = bidder_client.post(
        f"/auctions/{auction.pk}/bid/",
        {
            "amount": "500000000",
            "idempotency_key": "8c1f9a52-3d59-4c38-9c4b-2a8f0d1e7b11",
            "confirmed": "1",
        },
    )

    assert page.status_code == 400
    assert "The auction is not active." in page.content.decode()
    assert Bid.objects.count() == 0


def test_a_malformed_bid_form_is_readable(bidder_client):
    auction = ActiveAuctionFactory()

    page = bidder_client.post(
        f"/auctions/{auction.pk}/bid/", {"amount": "1e9", "idempotency_key": "nope"}
    )

    text = page.content.decode()
    assert page.status_code == 400
    assert "Enter an amount in digits, e.g. 501000000." in text
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', text)
    assert Bid.objects.count() == 0


def test_anonymous_bidders_are_sent_to_sign_in(client):
    auction = ActiveAuctionFactory()

    answer = client.post(f"/auctions/{auction.pk}/bid/", {"amount": "500000000"})

    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/login/?next=/auctions/{auction.pk}/"
    assert Bid.objects.count() == 0


def test_bidding_on_an_unknown_auction_is_404(bidder_client):
    assert bidder_client.post("/auctions/424242/bid/", {"amount": "1"}).status_code == 404
    assert bidder_client.get("/auctions/424242/bid/").status_code == 405
