"""Listings with photos and opening auctions, judged by services.validate_auction."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from auctions.models import Auction, ListingPhoto
from auctions.tests.factories import AuctionFactory, ListingFactory

from .conftest import png_bytes

pytestmark = pytest.mark.django_db

LISTING = {
    "title": "Sunny 2-room flat",
    "address": "Tashkent, Chilonzor 9, 14",
    "rooms": "2",
    "area": "54.5",
    "floor": "3",
    "description": "Near the metro.",
}


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_listing_is_created_with_a_real_png(seller_client, seller):
    photo = SimpleUploadedFile("flat.png", png_bytes(), content_type="image/png")

    answer = seller_client.post("/my/listings/new/", {**LISTING, "photos": [photo]})

    assert answer.status_code == 302
    listing = seller.listings.get()
    assert (listing.title, listing.rooms, listing.area) == (LISTING["title"], 2, Decimal("54.5"))
    stored = listing.photos.get()
    assert stored.image.read().startswith(b"\x89PNG")


def test_a_text_file_named_jpg_is_refused(seller_client, seller):
    fake = SimpleUploadedFile("flat.jpg", b"not an image at all", content_type="image/jpeg")

    answer = seller_client.post("/my/listings/new/", {**LISTING, "photos": [fake]})

    assert answer.status_code == 400
    assert "Upload a valid image" in answer.content.decode()
    assert seller.listings.count() == 0
    assert ListingPhoto.objects.count() == 0


def test_an_oversize_photo_is_refused(seller_client, seller, settings):
    settings.SITE_MAX_PHOTO_BYTES = 1024
    big = SimpleUploadedFile("big.png", png_bytes(size=(600, 600)) + b"\0" * 2048)

    answer = seller_client.post("/my/listings/new/", {**LISTING, "photos": [big]})

    assert answer.status_code == 400
    assert "big.png is too large: at most 0.000976562 MB per photo." in answer.content.decode()
    assert seller.listings.count() == 0


def test_the_default_limit_refuses_a_file_over_5_mb(seller_client, seller):
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * (5 * 1024 * 1024))

    answer = seller_client.post("/my/listings/new/", {**LISTING, "photos": [big]})

    assert "at most 5 MB per photo" in answer.content.decode()
    assert seller.listings.count() == 0


def test_at_most_six_photos(seller_client, seller):
    photos = [SimpleUploadedFile(f"p{n}.png", png_bytes()) for n in range(7)]

    answer = seller_client.post("/my/listings/new/", {**LISTING, "photos": photos})

    assert answer.status_code == 400
    assert "at most 6 photos" in answer.content.decode()
    assert ListingPhoto.objects.count() == 0


def test_editing_adds_and_removes_photos(seller_client, seller):
    listing = ListingFactory(owner=seller)
    old = ListingPhoto.objects.create(
        listing=listing, image=SimpleUploadedFile("old.png", png_bytes())
    )
    new = SimpleUploadedFile("new.png", png_bytes(color=(200, 0, 0)))

    answer = seller_client.post(
        f"/my/listings/{listing.pk}/edit/",
        {**LISTING, "title": "Renamed", "remove_photos": [old.pk], "photos": [new]},
    )

    assert answer.status_code == 302
    listing.refresh_from_db()
    assert listing.title == "Renamed"
    assert [photo.image.name.rsplit("/", 1)[1][:3] for photo in listing.photos.all()] == ["new"]


def test_listing_form_errors_are_readable(seller_client):
    answer = seller_client.post("/my/listings/new/", {"title": "", "rooms": "0", "area": "x"})

    text = answer.content.decode()
    assert answer.status_code == 400
    assert "This field is required." in text
    assert "Ensure this value is greater than or equal to 1." in text
    assert "Enter a number." in text


def test_an_auction_is_opened_and_leads_to_the_fee(seller_client, seller):
    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(hours=1)

    answer = seller_client.post(
        f"/my/listings/{listing.pk}/auction/",
        {
            "starting_price": "500000000",
            "min_increment": "1000000",
            "reserve_price": "",
            "start_time": local(start),
            "end_time": local(start + datetime.timedelta(days=1)),
        },
    )

    auction = Auction.objects.get(listing=listing)
    assert answer.status_code == 302
    assert answer["Location"] == f"/my/auctions/{auction.pk}/pay/"
    assert (auction.status, auction.is_paid, auction.seller) == ("pending_payment", False, seller)
    assert auction.starting_price == Decimal("500000000")
    assert abs((auction.start_time - start).total_seconds()) < 60  # read as Tashkent time


def test_auction_rules_come_from_the_services(seller_client, seller, settings):
    settings.AUCTION_MIN_DURATION = 3600
    listing = ListingFactory(owner=seller)
    AuctionFactory(listing=listing)
    past = timezone.now() - datetime.timedelta(hours=2)

    answer = seller_client.post(
        f"/my/listings/{listing.pk}/auction/",
        {
            "starting_price": "100",
            "min_increment": "1",
            "start_time": local(past),
            "end_time": local(past + datetime.timedelta(minutes=10)),
        },
    )

    text = answer.content.decode()
    assert answer.status_code == 400
    assert "This listing already has an open auction." in text
    assert "The start time may not be in the past." in text
    assert "The auction must last at least 3600 seconds." in text
    assert Auction.objects.filter(listing=listing).count() == 1
