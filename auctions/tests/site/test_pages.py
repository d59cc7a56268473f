"""Every page renders for anonymous and signed-in readers; wrong ids are 404 pages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from auctions.models import ListingPhoto
from auctions.tests.factories import (
    ActiveAuctionFactory,
    AuctionFactory,
    BidFactory,
    ListingFactory,
    PaymentFactory,
    UserFactory,
)

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def test_home_lists_live_and_upcoming_paid_auctions_only(client):
    live = ActiveAuctionFactory(listing__title="Live flat")
    upcoming = AuctionFactory(listing__title="Upcoming flat", is_paid=True, status="scheduled")
    AuctionFactory(listing__title="Unpaid flat")
    ActiveAuctionFactory(
        listing__title="Finished flat",
        start_time=timezone.now() - datetime.timedelta(days=2),
        end_time=timezone.now() - datetime.timedelta(days=1),
    )

    page = client.get("/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Live flat" in text
    assert "Upcoming flat" in text
    assert "Unpaid flat" not in text
    assert "Finished flat" not in text
    assert f"/auctions/{live.pk}/" in text
    assert f"/auctions/{upcoming.pk}/" in text
    assert "500,000,000 UZS" in text
    assert "placeholder.svg" in text


def test_home_filters_by_rooms_price_and_address(client):
    ActiveAuctionFactory(listing__title="Small", listing__rooms=1, listing__address="Chilonzor 9")
    ActiveAuctionFactory(
        listing__title="Big",
        listing__rooms=5,
        listing__address="Yunusabad 4",
        starting_price=Decimal("900000000"),
    )

    by_rooms = client.get("/", {"rooms": "4"}).content.decode()
    by_address = client.get("/", {"q": "chilonzor"}).content.decode()
    by_price = client.get("/", {"price_min": "600000000"}).content.decode()
    bad = client.get("/", {"price_min": "lots"})

    assert "Big" in by_rooms
    assert "Small" not in by_rooms
    assert "Small" in by_address
    assert "Big" not in by_address
    assert "Big" in by_price
    assert "Small" not in by_price
    assert bad.status_code == 200
    assert "Enter an amount in digits" in bad.content.decode()


def test_home_shows_the_first_photo(client, media_root):
    auction = ActiveAuctionFactory()
    from django.core.files.base import ContentFile

    ListingPhoto.objects.create(
        listing=auction.listing, image=ContentFile(png_bytes(), "a.png"), position=0
    )

    text = client.get("/").content.decode()

    photo = auction.listing.photos.get()
    assert photo.image.url in text
    served = client.get(photo.image.url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")


def test_auction_page_shows_facts_rules_history_and_aliases(client, bidder_client, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 7
    auction = ActiveAuctionFactory(reserve_price=Decimal("600000000"))
    first = UserFactory(username="alice_secret")
    BidFactory(auction=auction, bidder=first, amount=Decimal("500000000"))
    auction.current_price, auction.bid_count = Decimal("500000000"), 1
    auction.save()

    page = client.get(f"/auctions/{auction.pk}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Bidder 1" in text
    assert "alice_secret" not in text
    assert "last 7 min." in text
    assert "7 min. after the last bid" in text
    assert "Reserve price not met" in text
    assert "600,000,000" not in text  # the reserve itself stays hidden
    assert "Sign in to bid" in text
    signed_in = bidder_client.get(f"/auctions/{auction.pk}/").content.decode()
    assert 'name="amount" value="501000000"' in signed_in  # the next valid amount
    assert 'name="idempotency_key"' in signed_in


def test_auction_page_without_reserve_says_nothing_about_it(client):
    auction = ActiveAuctionFactory()

    text = client.get(f"/auctions/{auction.pk}/").content.decode()

    assert "Reserve price" not in text


def test_live_endpoint_gives_price_clock_and_history(client):
    auction = ActiveAuctionFactory()
    BidFactory(auction=auction, amount=Decimal("500000000"))
    auction.current_price, auction.bid_count = Decimal("500000000"), 1
    auction.save()

    answer = client.get(f"/auctions/{auction.pk}/live/")

    data = answer.json()
    assert answer.status_code == 200
    assert data["price"] == "500000000.00"
    assert data["next_minimum"] == "501000000"
    assert data["status"] == "active"
    assert data["bid_count"] == 1
    assert data["reserve_met"] is None
    assert datetime.datetime.fromisoformat(data["end_time"]) == auction.end_time
    assert abs(datetime.datetime.fromisoformat(data["now"]) - timezone.now()).total_seconds() < 5
    assert [row["alias"] for row in data["history"]] == ["Bidder 1"]


def test_unpaid_auction_is_404_for_others_but_visible_to_its_seller(client, seller_client, auction):
    assert client.get(f"/auctions/{auction.pk}/").status_code == 404
    assert client.get(f"/auctions/{auction.pk}/live/").status_code == 404
    assert seller_client.get(f"/auctions/{auction.pk}/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/auctions/999999/",
        "/auctions/99999999999999999999999/",
        "/my/auctions/99999999999999999999999/pay/",
        "/auctions/999999/live/",
        "/my/listings/999999/edit/",
        "/my/listings/999999/auction/",
        "/my/auctions/999999/pay/",
        "/payments/AUCTION_00000000000000000000/",
        "/payments/AUCTION_00000000000000000000/status/",
        "/no-such-page/",
    ],
)
def test_wrong_ids_are_404_pages(seller_client, path):
    page = seller_client.get(path)

    assert page.status_code == 404
    assert "Page not found" in page.content.decode()


def test_pages_of_signed_in_users_render(seller_client, bidder_client, seller, bidder):
    listing = ListingFactory(owner=seller, title="Mine")
    spare = ListingFactory(owner=seller, title="Mine too")  # no auction yet: it may get one
    auction = ActiveAuctionFactory(listing=listing)
    PaymentFactory(auction=auction, status="completed")
    BidFactory(auction=auction, bidder=bidder, amount=auction.starting_price)

    for client, path, expected in [
        (seller_client, "/my/listings/", "Mine"),
        (seller_client, "/my/listings/new/", "Photos"),
        (seller_client, f"/my/listings/{listing.pk}/edit/", "Mine"),
        (seller_client, f"/my/listings/{spare.pk}/auction/", "Starting price"),
        (seller_client, "/my/auctions/", "Mine"),
        (seller_client, f"/auctions/{auction.pk}/", "you cannot bid"),
        (bidder_client, "/my/bids/", "Mine"),
        (bidder_client, "/", "Mine"),
    ]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert expected in page.content.decode(), path


def test_seller_pages_ask_anonymous_readers_to_sign_in(client):
    for path in ["/my/listings/", "/my/listings/new/", "/my/auctions/", "/my/bids/"]:
        page = client.get(path)
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/login/?next=")


def test_another_sellers_listing_is_404(bidder_client, auction):
    listing = auction.listing
    assert bidder_client.get(f"/my/listings/{listing.pk}/edit/").status_code == 404
    assert bidder_client.get(f"/my/listings/{listing.pk}/auction/").status_code == 404
    assert bidder_client.get(f"/my/auctions/{auction.pk}/pay/").status_code == 404


def test_my_bids_shows_where_i_lead_and_where_i_was_outbid(bidder_client, bidder):
    leading = ActiveAuctionFactory(listing__title="Leading flat")
    outbid = ActiveAuctionFactory(listing__title="Outbid flat")
    BidFactory(auction=leading, bidder=bidder, amount=Decimal("500000000"))
    BidFactory(auction=outbid, bidder=bidder, amount=Decimal("500000000"))
    BidFactory(auction=outbid, amount=Decimal("501000000"))
    leading.current_price, leading.bid_count = Decimal("500000000"), 1
    leading.save()
    outbid.current_price, outbid.bid_count = Decimal("501000000"), 2
    outbid.save()

    text = bidder_client.get("/my/bids/").content.decode()

    lead_card = text.split("Leading flat")[1].split("</li>")[0]
    out_card = text.split("Outbid flat")[1].split("</li>")[0]
    assert "You lead" in lead_card
    assert "Outbid" not in lead_card
    assert "Outbid" in out_card
    assert "You lead" not in out_card
