"""The listing fee charged to a saved card (CONTRACT 9): receipts.create, then receipts.pay."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auctions.models import Auction, AuctionPayment, PaymentEvent, PaymentStatus
from auctions.tests.factories import UserFactory
from payments_payme import subscribe as subscribe_client
from payments_payme.models import CardReceipt

from .factories import PaymePaymentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_card(card_of, seller):
    return card_of(seller)


def pay(seller_api, auction, card, **headers):
    return seller_api.post(
        f"/api/auctions/{auction.pk}/payments/",
        {"provider": "payme", "card": card.pk},
        format="json",
        **headers,
    )


def test_a_card_payment_completes_the_auction_once(seller_api, auction, seller_card, subscribe):
    answer = pay(seller_api, auction, seller_card)

    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "completed"
    assert body["card"] == seller_card.pk
    assert (body["provider"], body["amount"], body["currency"]) == ("payme", "50000.00", "UZS")
    assert body["pay_url"] is None and body["failure_reason"] is None
    auction.refresh_from_db()
    assert auction.is_paid
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    assert payment.events.filter(to_status="completed").count() == 1
    receipt = CardReceipt.objects.get(payment=payment)
    sandbox_receipt = subscribe.receipts[receipt.receipt_id]
    assert sandbox_receipt.amount == 5_000_000  # tiyin
    assert sandbox_receipt.account == {"order_id": payment.merchant_trans_id}
    assert (subscribe.calls["receipts.create"], subscribe.calls["receipts.pay"]) == (1, 1)


def test_the_fiscal_detail_goes_with_the_receipt(
    seller_api, auction, seller_card, subscribe, settings
):
    settings.PAYME_FISCAL_IKPU = "10305013001000000"
    settings.PAYME_FISCAL_PACKAGE_CODE = "1500890"
    seen = {}
    original = subscribe._receipts_create

    def spy(params):
        seen.update(params)
        return original(params)

    subscribe._receipts_create = spy

    assert pay(seller_api, auction, seller_card).json()["status"] == "completed"
    assert seen["detail"]["items"][0]["code"] == "10305013001000000"
    assert seen["detail"]["items"][0]["price"] == 5_000_000


def test_insufficient_funds_fails_with_paymes_reason_in_the_request_language(
    seller_api, auction, seller_card, subscribe
):
    subscribe.set_fault("insufficient_funds")

    answer = pay(seller_api, auction, seller_card, HTTP_ACCEPT_LANGUAGE="ru")

    body = answer.json()
    assert (answer.status_code, body["status"]) == (201, "failed")
    assert body["failure_reason"] == "Недостаточно средств на карте"
    auction.refresh_from_db()
    assert not auction.is_paid
    # The seller may try again at once: a new payment, charged this time.
    subscribe.set_fault(None)
    again = pay(seller_api, auction, seller_card).json()
    assert again["status"] == "completed"
    assert again["merchant_trans_id"] != body["merchant_trans_id"]


def test_a_lost_pay_answer_leaves_it_processing_until_receipts_check(
    seller_api, auction, seller_card, subscribe
):
    subscribe.set_fault("lost_pay")

    body = pay(seller_api, auction, seller_card).json()

    assert body["status"] == "processing"
    assert subscribe.calls["receipts.pay"] == 1  # never repeated within the request
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    # While it is processing, another card payment is refused.
    assert pay(seller_api, auction, seller_card).status_code == 409
    assert subscribe_client.check_card_payment(payment) == "completed"
    assert subscribe_client.check_card_payment(payment) == "completed"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert payment.events.filter(to_status="completed").count() == 1


def test_an_unanswered_receipts_create_fails_it(seller_api, auction, seller_card, subscribe):
    subscribe.set_fault("unavailable")

    body = pay(seller_api, auction, seller_card).json()

    assert body["status"] == "failed"
    assert "nothing was charged" in body["failure_reason"]


def test_refusals_409_and_404(seller_api, auction, seller_card, card_of, subscribe):
    stranger_card = card_of(UserFactory(username="stranger"))

    assert pay(seller_api, auction, stranger_card).status_code == 404
    assert pay(seller_api, auction, seller_card).status_code == 201
    assert pay(seller_api, auction, seller_card).status_code == 409  # already paid


def test_an_ended_auction_is_409(seller_api, auction, seller_card, subscribe):
    Auction.objects.filter(pk=auction.pk).update(
        start_time=timezone.now() - datetime.timedelta(hours=2),
        end_time=timezone.now() - datetime.timedelta(hours=1),
    )

    assert pay(seller_api, auction, seller_card).status_code == 409
    assert subscribe.calls.get("receipts.create", 0) == 0


def test_only_the_seller_pays(card_of, auction, subscribe):
    buyer = UserFactory(username="buyer")
    client = APIClient()
    client.force_authenticate(buyer)

    assert pay(client, auction, card_of(buyer)).status_code == 403


def test_an_open_checkout_payment_is_cancelled_first(seller_api, auction, seller_card, subscribe):
    checkout = PaymePaymentFactory(auction=auction)

    assert pay(seller_api, auction, seller_card).json()["status"] == "completed"

    checkout.refresh_from_db()
    assert checkout.status == PaymentStatus.CANCELLED
    assert PaymentEvent.objects.filter(payment=checkout, to_status="cancelled").count() == 1


def test_refund_card_payment_cancels_the_receipt_once(seller_api, auction, seller_card, subscribe):
    body = pay(seller_api, auction, seller_card).json()
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])

    assert subscribe_client.refund_card_payment(payment) == "refunded"
    assert subscribe_client.refund_card_payment(payment) == "already refunded"

    payment.refresh_from_db()
    auction.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and not auction.is_paid
    assert subscribe.calls["receipts.cancel"] == 1
    assert payment.events.filter(to_status="refunded").count() == 1


def test_a_refund_payme_refuses_changes_nothing(seller_api, auction, seller_card, subscribe):
    body = pay(seller_api, auction, seller_card).json()
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    subscribe.set_fault("cancel_fails")

    assert subscribe_client.refund_card_payment(payment).startswith("not confirmed")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert not payment.events.filter(to_status="refunded").exists()


def test_a_checkout_payment_is_refused_while_a_card_payment_is_in_flight(
    seller_api, auction, seller_card, subscribe
):
    subscribe.set_fault("lost_pay")
    assert pay(seller_api, auction, seller_card).json()["status"] == "processing"

    checkout = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "payme"}, format="json"
    )

    assert checkout.status_code == 409
    assert AuctionPayment.objects.filter(auction=auction).count() == 1


def test_a_charge_settled_after_another_payment_paid_is_flagged(
    seller_api, auction, seller_card, subscribe, make_payment
):
    from auctions import payment_flow

    subscribe.set_fault("lost_pay")
    body = pay(seller_api, auction, seller_card).json()
    card_payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    other = make_payment("click")
    payment_flow.complete_payment(other.pk, cause="click")

    outcome = subscribe_client.check_card_payment(card_payment)

    card_payment.refresh_from_db()
    assert outcome == "needs_refund"
    assert card_payment.status == PaymentStatus.PROCESSING and card_payment.needs_refund
    assert not card_payment.events.filter(to_status="completed").exists()


def test_a_card_payment_abandoned_before_receipts_create_does_not_block(
    seller_api, auction, seller_card, subscribe
):
    import datetime

    from auctions.tests.factories import PaymentFactory

    stuck = PaymentFactory(auction=auction, provider="payme")
    receipt = CardReceipt.objects.create(
        account=stuck.merchant_trans_id, payment=stuck, card=seller_card, amount=5_000_000
    )
    assert subscribe_client.check_card_payment(stuck) == "processing (being started)"
    assert pay(seller_api, auction, seller_card).status_code == 409  # it may still be starting
    CardReceipt.objects.filter(pk=receipt.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )

    assert pay(seller_api, auction, seller_card).json()["status"] == "completed"
    stuck.refresh_from_db()
    assert stuck.status == PaymentStatus.FAILED
