"""payments_payme/queries.py holds the ORM's answer, on SQLite and on PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from auctions.models import AuctionPayment, AuctionStatus, PaymentStatus
from auctions.tests.factories import PaymentFactory
from payments_payme import queries
from payments_payme.models import PaymeTransaction, TransactionState

from .factories import PaymePaymentFactory, PaymeTransactionFactory

pytestmark = pytest.mark.django_db


def orm_account(merchant_trans_id: str) -> queries.Account:
    payment = AuctionPayment.objects.select_related("auction").get(
        merchant_trans_id=merchant_trans_id
    )
    return queries.Account(
        payment_id=payment.pk,
        provider=payment.provider,
        status=payment.status,
        amount=payment.amount,
        auction_id=payment.auction_id,
        auction_is_paid=payment.auction.is_paid,
        auction_status=payment.auction.status,
        auction_end_time=payment.auction.end_time,
    )


@pytest.mark.parametrize(
    "shape",
    ["pending", "paid_auction", "ended_auction", "click_payment", "odd_amount"],
)
def test_account_equals_the_orms_answer(shape):
    payment = (
        PaymentFactory(provider="click") if shape == "click_payment" else PaymePaymentFactory()
    )
    auction = payment.auction
    if shape == "paid_auction":
        auction.is_paid, auction.status = True, AuctionStatus.SCHEDULED
        payment.status = PaymentStatus.COMPLETED
    if shape == "ended_auction":
        auction.start_time = timezone.now() - datetime.timedelta(days=2)
        auction.end_time = timezone.now() - datetime.timedelta(microseconds=123457)
    if shape == "odd_amount":
        payment.amount = Decimal("49999.07")
    auction.save()
    payment.save()

    found = queries.account(payment.merchant_trans_id)

    assert found == orm_account(payment.merchant_trans_id)
    assert isinstance(found.amount, Decimal)
    assert found.auction_end_time.tzinfo is not None


def test_account_of_an_unknown_id_is_none():
    PaymePaymentFactory()

    assert queries.account("AUCTION_00000000000000000000") is None


def orm_answer(payme_id: str) -> queries.TransactionAnswer:
    row = PaymeTransaction.objects.select_related("payment").get(payme_id=payme_id)
    return queries.TransactionAnswer(
        id=row.pk,
        create_time=row.create_time,
        perform_time=row.perform_time,
        cancel_time=row.cancel_time,
        state=row.state,
        reason=row.reason,
        merchant_trans_id=row.payment.merchant_trans_id,
    )


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (TransactionState.CREATED, None),
        (TransactionState.PERFORMED, None),
        (TransactionState.CANCELLED, 3),
        (TransactionState.CANCELLED_AFTER_PERFORM, 5),
    ],
)
def test_transaction_answer_equals_the_orms_answer(state, reason):
    row = PaymeTransactionFactory(
        state=state,
        reason=reason,
        perform_time=0 if state == TransactionState.CREATED else 1_700_000_000_123,
        cancel_time=1_700_000_100_456 if reason else 0,
    )
    PaymeTransactionFactory()  # another transaction the look-up must not return

    assert queries.transaction_answer(row.payme_id) == orm_answer(row.payme_id)


def test_transaction_answer_of_an_unknown_id_is_none():
    PaymeTransactionFactory()

    assert queries.transaction_answer("f" * 24) is None


def test_payment_id_of_a_transaction_equals_the_orms_answer():
    row = PaymeTransactionFactory()

    assert queries.payment_id_of(row.payme_id) == row.payment_id
    assert queries.payment_id_of("f" * 24) is None


def test_lock_transaction_equals_the_orms_answer():
    row = PaymeTransactionFactory(
        state=TransactionState.CANCELLED,
        reason=5,
        cancel_time=1_700_000_100_456,
        fiscal_perform={"receipt_id": 7, "status_code": 0, "qr": "https://ofd.example/ü"},
    )
    PaymeTransactionFactory()

    with transaction.atomic():
        found = queries.lock_transaction(row.payme_id)
        orm = PaymeTransaction.objects.select_for_update().get(payme_id=row.payme_id)

    fields = [f for f in PaymeTransaction._meta.get_fields() if getattr(f, "concrete", False)]
    assert {f.attname: getattr(found, f.attname) for f in fields} == {
        f.attname: getattr(orm, f.attname) for f in fields
    }
    with transaction.atomic():
        assert queries.lock_transaction("f" * 24) is None


def test_id_or_active_equals_the_orms_answer():
    from django.db.models import Q

    waiting = PaymeTransactionFactory()
    named = PaymeTransactionFactory(state=TransactionState.PERFORMED, perform_time=1)
    PaymeTransactionFactory(payment=waiting.payment, state=TransactionState.CANCELLED)
    PaymeTransactionFactory()

    found = queries.id_or_active(named.payme_id, waiting.payment_id)
    orm = PaymeTransaction.objects.filter(
        Q(payme_id=named.payme_id) | Q(payment_id=waiting.payment_id, state=1)
    )

    assert (
        sorted(row.pk for row in found)
        == sorted(row.pk for row in orm)
        == sorted([waiting.pk, named.pk])
    )
    by_id = {row.pk: row for row in orm}
    for row in found:
        assert (row.payme_id, row.state, row.create_time, row.payment_id) == (
            by_id[row.pk].payme_id,
            by_id[row.pk].state,
            by_id[row.pk].create_time,
            by_id[row.pk].payment_id,
        )
