"""Payme and an auction that ended unpaid between Create and Perform (CONTRACT 1)."""

import pytest

from auctions.models import PaymentStatus as Status
from auctions.tests.test_ended_unpaid import end_unpaid
from payments_payme.models import PaymeTransaction
from payments_payme.models import TransactionState as State

from .payme_client import error_code

pytestmark = pytest.mark.django_db


def test_perform_after_the_auction_ended_unpaid_is_31008_and_changes_nothing(payme, payme_payment):
    created = payme.create(payme_payment, "a" * 24)
    assert "result" in created
    end_unpaid(payme_payment.auction)

    performed = payme.perform("a" * 24)

    assert error_code(performed) == -31008
    payme_payment.refresh_from_db()
    payme_payment.auction.refresh_from_db()
    assert payme_payment.status == Status.PROCESSING
    assert not payme_payment.auction.is_paid
    assert PaymeTransaction.objects.get().state == State.CREATED
    # Payme then cancels the transaction: the payment is cancelled, no refund is needed.
    cancelled = payme.cancel("a" * 24, reason=3)
    assert cancelled["result"]["state"] == State.CANCELLED
    payme_payment.refresh_from_db()
    assert payme_payment.status == Status.CANCELLED


def test_check_perform_and_create_after_the_end_are_31099(payme, payme_payment):
    end_unpaid(payme_payment.auction)

    assert error_code(payme.check_perform(payme_payment)) == -31099
    assert error_code(payme.create(payme_payment, "b" * 24)) == -31099
    assert not PaymeTransaction.objects.exists()
