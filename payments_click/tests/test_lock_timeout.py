"""A callback never hangs on a lock: -7 after CALLBACK_LOCK_TIMEOUT, nothing changed."""

import time
from decimal import Decimal

import pytest

from auctions.models import AuctionPayment, PaymentStatus
from auctions.tests.locking import row_locked_elsewhere
from payments_click.models import ClickTransaction, ClickTransactionStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def short_lock_timeout(settings):
    settings.CALLBACK_LOCK_TIMEOUT = Decimal("0.5")


def test_prepare_on_a_payment_locked_elsewhere_answers_minus_7_in_time(click, make_payment, caplog):
    payment = make_payment("click")

    with row_locked_elsewhere(AuctionPayment, payment.pk):
        started = time.monotonic()
        answer = click.prepare(payment)
        waited = time.monotonic() - started

    assert answer["error"] == -7
    assert waited < 3
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not ClickTransaction.objects.exists()
    assert "lock timeout" in caplog.text
    assert "outcome=lock_timeout" in caplog.text
    # Click's repeat, once the lock is free, goes through.
    assert click.prepare(payment)["error"] == 0


def test_complete_waiting_on_its_row_answers_minus_7_and_completes_nothing(click, make_payment):
    payment = make_payment("click")
    prepared = click.prepare(payment)

    row = ClickTransaction.objects.get()
    with row_locked_elsewhere(ClickTransaction, row.pk):
        answer = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)

    assert answer["error"] == -7
    payment.refresh_from_db()
    row.refresh_from_db()
    assert (payment.status, row.status) == (
        PaymentStatus.PROCESSING,
        ClickTransactionStatus.PREPARED,
    )
    assert not payment.auction.is_paid
    completed = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
    assert completed["error"] == 0
