"""Starting payments and reading them (CONTRACT 1 and 2), through the provider registry."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import payment_flow, providers
from auctions.models import AuctionPayment, AuctionStatus, PaymentStatus
from auctions.tests.factories import AuctionFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_provider():
    """A provider declared the way provider apps declare themselves."""
    provider = providers.PaymentProvider(
        name="testpay",
        currency="UZS",
        pay_url=lambda payment, request: f"https://pay.example/{payment.merchant_trans_id}",
    )
    providers.register(provider)
    yield provider
    providers._registry.pop("testpay", None)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def start(client, auction, provider="testpay"):
    return client.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": provider}, format="json"
    )


def test_seller_starts_a_payment(seller_api, auction, settings):
    answer = start(seller_api, auction)

    assert answer.status_code == 201
    body = answer.json()
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    assert body == {
        "merchant_trans_id": payment.merchant_trans_id,
        "provider": "testpay",
        "amount": "50000.00",
        "currency": "UZS",
        "status": "pending",
        "pay_url": f"https://pay.example/{payment.merchant_trans_id}",
    }
    assert payment.amount == settings.AUCTION_LISTING_FEE == Decimal("50000")


def test_an_open_payment_with_the_same_provider_is_returned_again(seller_api, auction):
    first = start(seller_api, auction)
    second = start(seller_api, auction)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["merchant_trans_id"] == second.json()["merchant_trans_id"]
    assert AuctionPayment.objects.count() == 1


def test_a_stale_pending_payment_is_cancelled_and_replaced(seller_api, auction, settings):
    settings.PAYMENT_PENDING_TTL = 60
    old = PaymentFactory(auction=auction, provider="testpay")
    AuctionPayment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )

    answer = start(seller_api, auction)

    assert answer.status_code == 201
    assert answer.json()["merchant_trans_id"] != old.merchant_trans_id
    old.refresh_from_db()
    assert old.status == PaymentStatus.CANCELLED


def test_a_failed_payment_lets_the_seller_start_a_new_one(seller_api, auction):
    old = PaymentFactory(auction=auction, provider="testpay")
    payment_flow.fail_payment(old.pk, cause="testpay")

    answer = start(seller_api, auction)

    assert answer.status_code == 201
    assert answer.json()["merchant_trans_id"] != old.merchant_trans_id


def test_only_the_seller_may_start_a_payment(auction, bidder):
    answer = start(client_for(bidder), auction)

    assert answer.status_code == 403
    assert not AuctionPayment.objects.exists()


def test_starting_a_payment_needs_authentication(api, auction):
    assert start(api, auction).status_code == 401


def test_paid_auction_answers_409_before_the_provider_is_checked(seller_api, auction):
    payment = PaymentFactory(auction=auction, provider="testpay")
    payment_flow.complete_payment(payment.pk, cause="testpay")

    assert start(seller_api, auction).status_code == 409
    assert start(seller_api, auction, provider="nope").status_code == 409
    assert AuctionPayment.objects.count() == 1


@pytest.mark.parametrize("provider", ["nope", "", 5, None, "click\x00"])
def test_unknown_provider_is_400(seller_api, auction, provider):
    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": provider}, format="json"
    )

    assert answer.status_code == 400
    assert not AuctionPayment.objects.exists()


def test_cancelled_auction_cannot_be_paid(seller_api, auction):
    auction.status = AuctionStatus.CANCELLED
    auction.save()

    assert start(seller_api, auction).status_code == 409


def test_unknown_auction_is_404(seller_api):
    assert (
        seller_api.post("/api/auctions/987654/payments/", {"provider": "testpay"}).status_code
        == 404
    )


def test_payment_is_visible_to_its_seller_and_staff_only(seller_api, auction, bidder):
    payment = PaymentFactory(auction=auction, provider="testpay")
    staff = UserFactory(username="staff", is_staff=True)
    url = f"/api/payments/{payment.merchant_trans_id}/"

    mine = seller_api.get(url)

    assert mine.status_code == 200
    assert mine.json() == {
        "merchant_trans_id": payment.merchant_trans_id,
        "provider": "testpay",
        "amount": "50000.00",
        "currency": "UZS",
        "status": "pending",
        "auction": auction.pk,
        "created_at": mine.json()["created_at"],
        "completed_at": None,
    }
    assert client_for(staff).get(url).status_code == 200
    assert client_for(bidder).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401


def test_payment_lookup_matches_only_the_public_id_shape(seller_api):
    assert seller_api.get("/api/payments/AUCTION_A1B2C3D4E5F6G7H8I9J0/").status_code == 404
    assert seller_api.get("/api/payments/AUCTION_short/").status_code == 404


def test_merchant_trans_id_format_and_uniqueness(auction):
    ids = {PaymentFactory(auction=auction).merchant_trans_id for _ in range(200)}

    assert len(ids) == 200
    assert all(len(i) == 28 and i.startswith("AUCTION_") for i in ids)
    assert all(c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" for i in ids for c in i[8:])


def test_merchant_trans_id_is_unique_in_the_database(auction):
    from django.db import IntegrityError, transaction

    first = PaymentFactory(auction=auction)

    with pytest.raises(IntegrityError), transaction.atomic():
        AuctionPayment.objects.create(
            auction=AuctionFactory(),
            provider="testpay",
            amount=Decimal("50000"),
            currency="UZS",
            merchant_trans_id=first.merchant_trans_id,
        )


@pytest.fixture
def gateway_provider():
    """A provider with a start() that opens nothing, like a gateway call still under way."""
    provider = providers.PaymentProvider(
        name="slowgate",
        currency="UZS",
        pay_url=lambda payment, request: "https://gate.example/pay",
        start=lambda payment, request: None,
    )
    providers.register(provider)
    yield provider
    providers._registry.pop("slowgate", None)


def test_a_payment_still_being_opened_answers_409(seller_api, auction, gateway_provider):
    first = start(seller_api, auction, provider="slowgate")

    again = start(seller_api, auction, provider="slowgate")

    assert (first.status_code, again.status_code) == (201, 409)
    assert AuctionPayment.objects.count() == 1


def test_a_half_opened_payment_is_cancelled_and_replaced(seller_api, auction, gateway_provider):
    stuck = PaymentFactory(auction=auction, provider="slowgate")
    AuctionPayment.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=2)
    )

    answer = start(seller_api, auction, provider="slowgate")

    assert answer.status_code == 201
    stuck.refresh_from_db()
    assert stuck.status == PaymentStatus.CANCELLED
