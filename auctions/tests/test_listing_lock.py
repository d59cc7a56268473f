"""A listing stays as bidders saw it once an auction of it is paid (CONTRACT 2)."""

import threading

import pytest
from django.db import connection, transaction

from auctions import payment_flow
from auctions.models import Auction, Listing
from auctions.tests.factories import ActiveAuctionFactory, AuctionFactory, PaymentFactory

pytestmark = pytest.mark.django_db

EDIT = {"title": "Rewritten", "address": "Elsewhere 1", "rooms": 5, "area": "99.00"}


@pytest.mark.parametrize("method", ["put", "patch"])
def test_the_api_edit_of_a_listing_with_a_paid_auction_is_409(seller_api, seller, method):
    auction = ActiveAuctionFactory(seller=seller, listing__owner=seller)

    answer = getattr(seller_api, method)(
        f"/api/listings/{auction.listing_id}/", EDIT, format="json"
    )

    assert answer.status_code == 409, answer.content
    assert "paid" in answer.json()["detail"]
    assert Listing.objects.get(pk=auction.listing_id).title != "Rewritten"


def test_the_api_edit_of_a_listing_whose_auction_is_unpaid_works(seller_api, auction):
    answer = seller_api.patch(f"/api/listings/{auction.listing_id}/", EDIT, format="json")

    assert answer.status_code == 200
    assert Listing.objects.get(pk=auction.listing_id).title == "Rewritten"


def test_another_users_edit_is_still_403(api, auction):
    from auctions.tests.factories import UserFactory

    api.force_authenticate(UserFactory(username="stranger"))

    assert api.patch(f"/api/listings/{auction.listing_id}/", EDIT, format="json").status_code == 403


def test_the_site_edit_page_says_so_and_refuses(client, seller):
    auction = ActiveAuctionFactory(seller=seller, listing__owner=seller)
    client.force_login(seller)
    url = f"/my/listings/{auction.listing_id}/edit/"

    page = client.get(url)
    posted = client.post(url, {**EDIT, "rooms": "5", "area": "99"})

    assert page.status_code == 200
    assert b"has a paid auction" in page.content
    assert b'enctype="multipart/form-data"' not in page.content  # no form to fill in
    assert posted.status_code == 409
    assert Listing.objects.get(pk=auction.listing_id).title != "Rewritten"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_waits_for_a_payment_completing_meanwhile_and_is_refused(seller_api, seller):
    auction = AuctionFactory(seller=seller, listing__owner=seller)
    payment = PaymentFactory(auction=auction)
    locked, release = threading.Event(), threading.Event()

    def complete_slowly() -> None:
        try:
            with transaction.atomic():
                Auction.objects.select_for_update().get(pk=auction.pk)
                locked.set()
                release.wait(timeout=10)
                payment_flow.complete_payment(payment.pk, cause="test")
        finally:
            connection.close()

    payer = threading.Thread(target=complete_slowly)
    payer.start()
    assert locked.wait(timeout=10)
    timer = threading.Timer(0.3, release.set)
    timer.start()
    answer = seller_api.patch(f"/api/listings/{auction.listing_id}/", EDIT, format="json")
    payer.join(timeout=10)

    assert answer.status_code == 409
    assert Listing.objects.get(pk=auction.listing_id).title != "Rewritten"
