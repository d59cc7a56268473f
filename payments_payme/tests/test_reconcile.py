"""reconcile for Payme: an expired waiting transaction is cancelled with reason 4 (CONTRACT 11)."""

from io import StringIO

import pytest
from django.core.management import call_command

from auctions.models import PaymentStatus as Status
from payments_payme.models import PaymeTransaction
from payments_payme.models import TransactionState as State
from payments_payme.tests.payme_client import now_ms

pytestmark = pytest.mark.django_db
TWELVE_HOURS_MS = 43_200_000


def reconcile(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile", "--provider", "payme", *args, stdout=out, stderr=StringIO())
        return 0, out.getvalue()
    except SystemExit as exit_:
        return exit_.code, out.getvalue()


@pytest.fixture
def waiting(payme, payme_payment):
    """A Payme transaction in state 1 (its payment processing), created just now."""
    answer = payme.create(payme_payment, "6571a2b3c4d5e6f7a8b9c0d1")
    assert answer["result"]["state"] == 1
    payme_payment.refresh_from_db()
    return payme_payment, PaymeTransaction.objects.get(payme_id="6571a2b3c4d5e6f7a8b9c0d1")


def test_a_live_waiting_transaction_is_left_alone(waiting):
    payment, row = waiting

    assert reconcile() == (0, "")

    payment.refresh_from_db()
    row.refresh_from_db()
    assert (payment.status, row.state) == (Status.PROCESSING, State.CREATED)


def test_an_expired_waiting_transaction_is_cancelled_with_reason_4_once(waiting):
    payment, row = waiting
    # Payme's 12 hours have passed since the transaction was created.
    PaymeTransaction.objects.filter(pk=row.pk).update(create_time=now_ms() - TWELVE_HOURS_MS - 1000)

    first = reconcile()
    second = reconcile()

    payment.refresh_from_db()
    row.refresh_from_db()
    assert first == second == (0, "")
    assert (row.state, row.reason) == (State.CANCELLED, 4)
    assert payment.status == Status.CANCELLED
    event = payment.events.get(to_status=Status.CANCELLED)
    assert event.cause == "reconcile:payme"
    assert event.reference == {"payme_id": row.payme_id, "reason": 4}


def test_a_flagged_payme_payment_says_to_refund_in_the_cabinet(payme_payment):
    from auctions import payment_flow

    payment_flow.flag_needs_refund(payme_payment.pk, cause="test", note="charged twice")

    code, out = reconcile()

    assert code == 1
    assert payme_payment.merchant_trans_id in out
    assert "merchant cabinet" in out


def test_the_payment_page_shows_payme_transactions_on_the_timeline(waiting, admin_client):
    payment, row = waiting
    PaymeTransaction.objects.filter(pk=row.pk).update(create_time=now_ms() - TWELVE_HOURS_MS - 1000)
    reconcile()

    page = admin_client.get(f"/admin/auctions/auctionpayment/{payment.pk}/change/")

    text = page.content.decode()
    assert "Payme CreateTransaction" in text
    assert "state -1, reason 4" in text
    assert "reconcile:payme" in text
    assert text.index("Payme CreateTransaction") < text.index("reconcile:payme")
