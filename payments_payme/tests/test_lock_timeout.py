"""A callback never hangs on a lock: -32400 after CALLBACK_LOCK_TIMEOUT, nothing changed."""

import time
from decimal import Decimal

import pytest

from auctions.models import Auction, AuctionPayment, PaymentStatus
from auctions.tests.locking import row_locked_elsewhere
from payments_payme.models import PaymeTransaction
from payments_payme.models import TransactionState as State
from payments_payme.tests.payme_client import error_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def short_lock_timeout(settings):
    settings.CALLBACK_LOCK_TIMEOUT = Decimal("0.5")


def test_create_on_a_payment_locked_elsewhere_answers_minus_32400_in_time(
    payme, payme_payment, caplog
):
    with row_locked_elsewhere(AuctionPayment, payme_payment.pk):
        started = time.monotonic()
        answer = payme.create(payme_payment, "a" * 24)
        waited = time.monotonic() - started

    assert error_code(answer) == -32400
    assert waited < 3
    assert not PaymeTransaction.objects.exists()
    payme_payment.refresh_from_db()
    assert payme_payment.status == PaymentStatus.PENDING
    assert "lock timeout" in caplog.text
    assert "outcome=lock_timeout error=-32400" in caplog.text
    assert "result" in payme.create(payme_payment, "a" * 24)  # Payme's repeat goes through


def test_perform_waiting_on_the_auction_answers_minus_32400_and_performs_nothing(
    payme, payme_payment
):
    payme.create(payme_payment, "b" * 24)

    with row_locked_elsewhere(Auction, payme_payment.auction_id):
        answer = payme.perform("b" * 24)

    assert error_code(answer) == -32400
    assert PaymeTransaction.objects.get().state == State.CREATED
    payme_payment.refresh_from_db()
    assert payme_payment.status == PaymentStatus.PROCESSING
    assert payme.perform("b" * 24)["result"]["state"] == State.PERFORMED
