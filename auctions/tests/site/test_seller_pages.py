"""A seller's forms: every error at once, no second auction, pay again, Medogram explained."""

import datetime
import html
from decimal import Decimal

import pytest
from django.utils import timezone

from auctions.models import Auction, PaymentStatus
from auctions.tests.factories import (
    ActiveAuctionFactory,
    AuctionFactory,
    ListingFactory,
    PaymentFactory,
)

from .test_listings import local

pytestmark = pytest.mark.django_db


def test_every_auction_form_error_comes_in_one_round(seller_client, seller):
    listing = ListingFactory(owner=seller)
    past = timezone.now() - datetime.timedelta(hours=2)

    answer = seller_client.post(
        f"/my/listings/{listing.pk}/auction/",
        {
            "starting_price": "650",
            "min_increment": "abc",  # does not parse: the other fields are still judged
            "start_time": local(past),
            "end_time": local(past - datetime.timedelta(hours=1)),
        },
    )

    text = html.unescape(answer.content.decode())
    assert answer.status_code == 400
    assert "650 UZS is too little for an apartment" in text
    assert "at least 10,000,000 UZS" in text
    assert "Enter an amount in digits" in text
    assert "The start time may not be in the past." in text
    assert "The end time must be after the start time." in text
    assert not Auction.objects.filter(listing=listing).exists()


def test_the_service_rules_are_reported_with_the_forms_own(seller_client, seller, settings):
    settings.AUCTION_MIN_DURATION = 3600
    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(hours=1)

    answer = seller_client.post(
        f"/my/listings/{listing.pk}/auction/",
        {
            "starting_price": "5000",
            "min_increment": "1000",
            "start_time": local(start),
            "end_time": local(start + datetime.timedelta(minutes=10)),
        },
    )

    text = answer.content.decode()
    assert "too little for an apartment" in text
    assert "The auction must last at least 3600 seconds." in text


def test_the_minimum_starting_price_is_a_setting(seller_client, seller, settings):
    settings.SITE_MIN_STARTING_PRICE = Decimal("1000")
    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(hours=1)

    answer = seller_client.post(
        f"/my/listings/{listing.pk}/auction/",
        {
            "starting_price": "5000",
            "min_increment": "1000",
            "start_time": local(start),
            "end_time": local(start + datetime.timedelta(days=1)),
        },
    )

    assert answer.status_code == 302
    assert Auction.objects.filter(listing=listing, starting_price=5000).exists()


def test_open_an_auction_is_offered_only_for_a_listing_without_an_open_one(seller_client, seller):
    busy = ListingFactory(owner=seller, title="Busy")
    AuctionFactory(listing=busy)
    free = ListingFactory(owner=seller, title="Free")
    ended = ListingFactory(owner=seller, title="Ended")
    AuctionFactory(listing=ended, status="ended")

    text = seller_client.get("/my/listings/").content.decode()
    opened = seller_client.get(f"/my/listings/{busy.pk}/auction/")

    assert f"/my/listings/{busy.pk}/auction/" not in text
    assert f"/my/listings/{free.pk}/auction/" in text
    assert f"/my/listings/{ended.pk}/auction/" in text
    assert (opened.status_code, opened["Location"]) == (302, "/my/listings/")
    followed = seller_client.get("/my/listings/").content.decode()
    assert "This listing already has an open auction." in followed


@pytest.mark.parametrize("status", [PaymentStatus.FAILED, PaymentStatus.CANCELLED])
def test_after_a_failed_or_declined_payment_the_seller_pays_again_with_the_same_provider(
    seller_client, auction, status
):
    declined = PaymentFactory(auction=auction, provider="payme", status=status)

    page = seller_client.get(f"/payments/{declined.merchant_trans_id}/").content.decode()
    mine = seller_client.get("/my/auctions/").content.decode()
    pay_page = seller_client.get(f"/my/auctions/{auction.pk}/pay/").content.decode()

    assert f'action="/my/auctions/{auction.pk}/pay/"' in page
    assert '<input type="hidden" name="provider" value="payme">' in page
    assert "Pay again with Payme" in page
    assert f"/my/auctions/{auction.pk}/pay/?provider=payme" in mine and "Pay again" in mine
    assert 'value="payme" required checked' in " ".join(pay_page.split())


def test_pay_again_is_offered_to_the_seller_only_and_not_after_success(
    client, bidder_client, seller_client, auction
):
    failed = PaymentFactory(auction=auction, provider="click", status=PaymentStatus.FAILED)
    other = ActiveAuctionFactory(listing__owner=auction.seller)
    paid = PaymentFactory(auction=other, provider="click", status=PaymentStatus.COMPLETED)

    for reader in (client, bidder_client):
        assert (
            "Pay again" not in reader.get(f"/payments/{failed.merchant_trans_id}/").content.decode()
        )
    assert (
        "Pay again"
        not in seller_client.get(f"/payments/{paid.merchant_trans_id}/").content.decode()
    )


def test_the_pay_page_explains_medogram_in_rial(seller_client, auction, settings):
    settings.MEDOGRAM_FEE_RIAL = Decimal("500000")
    seller_client.post("/i18n/setlang/", {"language": "uz", "next": "/"})

    text = html.unescape(seller_client.get(f"/my/auctions/{auction.pk}/pay/").content.decode())

    assert "Medogram — Eron banklari kartalari uchun to'lov shlyuzi" in text
    assert "50 000 so'm o'rniga 500 000 rial to'laysiz" in text
    assert "Click ilovasida" in text and "Payme ilovasida" in text


def test_bad_filter_values_are_named_and_the_good_ones_still_apply(client):
    ActiveAuctionFactory(listing__title="Cheap", starting_price=Decimal("300000000"))
    ActiveAuctionFactory(listing__title="Dear", starting_price=Decimal("900000000"))

    page = client.get("/?price_min=abc&rooms=9&price_max=500000000")

    text = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert "Some filters could not be read and were left out:" in text
    assert "Price from: Enter an amount in digits" in text
    assert "Rooms: Select a valid choice." in text
    assert "Cheap" in text and "Dear" not in text
    form = text[text.index('<form class="filters') : text.index("</form>")]
    assert "error" not in form  # the filter bar keeps its layout
