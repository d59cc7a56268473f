"""Payme's Merchant API calls for Subscribe receipts (CONTRACT 9): a card payment completes
exactly once whichever comes first; a DEPOSIT_ account never moves an AuctionPayment."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from auctions.models import AuctionPayment, Deposit, PaymentEvent, PaymentStatus
from auctions.tests.factories import ActiveAuctionFactory
from payments_payme.models import (
    CardReceipt,
    PaymeDepositTransaction,
    PaymeTransaction,
    TransactionState,
)

from .payme_client import now_ms


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_callbacks_during_receipts_pay_and_the_answer_complete_once(
    live_server, subscribe, seller, auction, card_of
):
    subscribe.site_url = live_server.url  # the fake calls our Merchant API as Payme does
    card = card_of(seller)

    body = (
        api_for(seller)
        .post(
            f"/api/auctions/{auction.pk}/payments/",
            {"provider": "payme", "card": card.pk},
            format="json",
        )
        .json()
    )

    assert body["status"] == "completed"
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    transaction = PaymeTransaction.objects.get(payment=payment)
    assert transaction.state == TransactionState.PERFORMED
    assert PaymentEvent.objects.filter(payment=payment, to_status="completed").count() == 1
    assert PaymentEvent.objects.get(payment=payment, to_status="completed").cause == "payme"


@pytest.mark.django_db
def test_callbacks_after_the_answer_are_the_same_payment(payme, seller, auction, card_of):
    card = card_of(seller)
    body = (
        api_for(seller)
        .post(
            f"/api/auctions/{auction.pk}/payments/",
            {"provider": "payme", "card": card.pk},
            format="json",
        )
        .json()
    )
    assert body["status"] == "completed"
    account = {"order_id": body["merchant_trans_id"]}

    check = payme.call("CheckPerformTransaction", {"amount": 5_000_000, "account": account})
    create = payme.call(
        "CreateTransaction",
        {"id": "a" * 24, "time": now_ms(), "amount": 5_000_000, "account": account},
    )
    perform = payme.call("PerformTransaction", {"id": "a" * 24})
    again = payme.call("PerformTransaction", {"id": "a" * 24})

    assert check["result"] == {"allow": True}
    assert create["result"]["state"] == 1
    assert perform["result"]["state"] == 2 and again["result"] == perform["result"]
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    assert payment.status == PaymentStatus.COMPLETED
    assert payment.events.filter(to_status="completed").count() == 1
    # A second transaction for the same completed payment is refused as usual.
    other = payme.call(
        "CreateTransaction",
        {"id": "b" * 24, "time": now_ms(), "amount": 5_000_000, "account": account},
    )
    assert other["error"]["code"] == -31099


@pytest.fixture
def deposit_auction(seller):
    return ActiveAuctionFactory(seller=seller, listing__owner=seller, deposit=Decimal("1000000"))


@pytest.mark.django_db
def test_a_deposit_account_is_an_order_of_the_deposits_amount(
    payme, bidder, deposit_auction, card_of
):
    card = card_of(bidder)
    answer = api_for(bidder).post(
        f"/api/auctions/{deposit_auction.pk}/deposit/", {"card": card.pk}, format="json"
    )
    assert answer.json()["status"] == "held"
    deposit = Deposit.objects.get()
    account = {"order_id": deposit.account}
    payments_before = list(AuctionPayment.objects.values_list("pk", "status"))

    wrong = payme.call("CheckPerformTransaction", {"amount": 100, "account": account})
    check = payme.call("CheckPerformTransaction", {"amount": 100_000_000, "account": account})
    unknown = payme.call(
        "CheckPerformTransaction",
        {"amount": 100_000_000, "account": {"order_id": "DEPOSIT_" + "0" * 20}},
    )
    create = payme.call(
        "CreateTransaction",
        {"id": "c" * 24, "time": now_ms(), "amount": 100_000_000, "account": account},
    )
    repeat = payme.call(
        "CreateTransaction",
        {"id": "c" * 24, "time": now_ms(), "amount": 100_000_000, "account": account},
    )
    perform = payme.call("PerformTransaction", {"id": "c" * 24})
    state = payme.call("CheckTransaction", {"id": "c" * 24})
    cancel = payme.call("CancelTransaction", {"id": "c" * 24, "reason": 5})
    statement = payme.call("GetStatement", {"from": 0, "to": now_ms() + 1000})

    assert wrong["error"]["code"] == -31001
    assert check["result"] == {"allow": True}
    assert unknown["error"]["code"] == -31050
    assert create["result"]["state"] == 1 and repeat["result"] == create["result"]
    assert create["result"]["transaction"].startswith("D")
    assert perform["result"]["state"] == 2
    assert state["result"]["state"] == 2
    assert cancel["result"]["state"] == -2
    row = PaymeDepositTransaction.objects.get()
    assert (row.deposit_id, row.state, row.reason) == (deposit.pk, -2, 5)
    listed = statement["result"]["transactions"]
    assert [item["id"] for item in listed] == ["c" * 24]
    assert listed[0]["account"] == account and listed[0]["state"] == -2
    assert list(AuctionPayment.objects.values_list("pk", "status")) == payments_before
    deposit.refresh_from_db()
    assert deposit.status == "held"  # moved only by the Subscribe answers and receipts.check
    assert CardReceipt.objects.filter(deposit=deposit).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_hold_with_callbacks_is_recorded_against_the_deposit(
    live_server, subscribe, bidder, deposit_auction, card_of
):
    subscribe.site_url = live_server.url
    card = card_of(bidder)

    answer = api_for(bidder).post(
        f"/api/auctions/{deposit_auction.pk}/deposit/", {"card": card.pk}, format="json"
    )

    assert answer.json()["status"] == "held"
    row = PaymeDepositTransaction.objects.get()
    assert row.state == TransactionState.CREATED  # a hold is created, not performed
    assert not AuctionPayment.objects.filter(auction=deposit_auction).exists()


@pytest.mark.django_db(transaction=True)
def test_a_refund_while_payme_calls_cancel_transaction_moves_once(
    live_server, subscribe, seller, auction, card_of
):
    from payments_payme import subscribe as subscribe_client

    subscribe.site_url = live_server.url
    card = card_of(seller)
    body = (
        api_for(seller)
        .post(
            f"/api/auctions/{auction.pk}/payments/",
            {"provider": "payme", "card": card.pk},
            format="json",
        )
        .json()
    )
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])

    # receipts.cancel makes the fake call our CancelTransaction before it answers.
    assert subscribe_client.refund_card_payment(payment) == "refunded"

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.events.filter(to_status="refunded").count() == 1
    assert PaymeTransaction.objects.get(payment=payment).state == -2
