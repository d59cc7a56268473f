"""python manage.py reconcile against Click's Merchant API fake over HTTP (CONTRACT 11)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from auctions.models import Discrepancy, PaymentEvent, Reconciliation
from auctions.models import PaymentStatus as Status
from payments_click.models import ClickMerchantCall
from payments_click.tests.factories import ClickPaymentFactory

pytestmark = pytest.mark.django_db


def reconcile(*args) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("reconcile", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


@pytest.fixture
def prepared(click, payment):
    """A payment Click prepared (processing); its Complete never arrived."""
    assert click.prepare(payment)["error"] == 0
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING
    return payment


def test_a_payment_click_says_is_paid_completes_once(click_merchant, prepared):
    click_merchant.record(prepared, status="paid")

    first = reconcile()
    second = reconcile()

    prepared.refresh_from_db()
    prepared.auction.refresh_from_db()
    assert first == (0, "") and second == (0, "")
    assert prepared.status == Status.COMPLETED
    assert prepared.auction.is_paid
    event = PaymentEvent.objects.get(payment=prepared, to_status=Status.COMPLETED)
    assert event.cause == "reconcile:click"
    assert (
        event.reference["payment_id"]
        == click_merchant.ledger[prepared.merchant_trans_id]["payment_id"]
    )
    assert Reconciliation.objects.get(payment=prepared).is_open is False


def test_a_pending_payment_click_never_saw_is_not_a_discrepancy(click_merchant, payment):
    code, out = reconcile()

    payment.refresh_from_db()
    assert (code, out) == (0, "")
    assert payment.status == Status.PENDING
    # Asked for the day, then the day before and after (the day's zone is unconfirmed).
    assert ClickMerchantCall.objects.filter(payment=payment).count() == 3


def test_a_payment_created_near_midnight_is_found_on_the_next_day(click_merchant, prepared):
    click_merchant.record(prepared, created=prepared.created_at + datetime.timedelta(days=1))

    assert reconcile() == (0, "")

    prepared.refresh_from_db()
    assert prepared.status == Status.COMPLETED


def test_a_declined_payment_fails(click_merchant, prepared):
    click_merchant.record(prepared, status="declined")

    assert reconcile("--provider", "click") == (0, "")

    prepared.refresh_from_db()
    assert prepared.status == Status.FAILED
    assert prepared.events.get(to_status=Status.FAILED).cause == "reconcile:click"


def test_an_unreachable_click_is_reported_not_swallowed(click_merchant, settings, prepared):
    settings.CLICK_MERCHANT_API_URL = "http://127.0.0.1:9/v2/merchant"

    code, out = reconcile()

    prepared.refresh_from_db()
    assert code == 1
    assert out.count("\n") == 1
    assert out.startswith(f"{prepared.merchant_trans_id} provider=click ours=processing")
    assert "unreachable" in out
    assert prepared.status == Status.PROCESSING
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.payment == prepared
    assert "unreachable" in discrepancy.provider_status


def test_a_wrong_key_is_reported(click_merchant, settings, prepared):
    click_merchant.record(prepared)
    settings.CLICK_SECRET_KEY = "NOT-THE-KEY"

    code, out = reconcile()

    assert code == 1
    assert "HTTP 401" in out


def test_a_discrepancy_closes_when_a_later_run_settles_it(click_merchant, settings, prepared):
    url = settings.CLICK_MERCHANT_API_URL
    settings.CLICK_MERCHANT_API_URL = "http://127.0.0.1:9/v2/merchant"
    assert reconcile()[0] == 1
    settings.CLICK_MERCHANT_API_URL = url
    click_merchant.record(prepared)

    assert reconcile() == (0, "")

    row = Reconciliation.objects.get(payment=prepared)
    assert (row.is_open, row.checks) == (False, 2)
    assert row.resolved_at is not None
    assert not Discrepancy.objects.exists()


def test_paid_at_click_for_an_auction_paid_by_another_payment_is_flagged(
    click_merchant, prepared, make_payment
):
    from auctions import payment_flow

    other = make_payment("payme")
    payment_flow.complete_payment(other.pk, cause="test")
    click_merchant.record(prepared, status="paid")

    code, out = reconcile()

    prepared.refresh_from_db()
    assert code == 1
    assert prepared.status == Status.PROCESSING
    assert prepared.needs_refund
    assert "Refund" in out


def test_since_limits_the_run_to_newer_payments(click_merchant, prepared):
    old = ClickPaymentFactory(status=Status.PROCESSING)
    old.__class__.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    reconcile("--since", since)

    assert not ClickMerchantCall.objects.filter(payment=old).exists()
    assert ClickMerchantCall.objects.filter(payment=prepared).exists()


def test_a_malformed_since_is_refused(click_merchant):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("reconcile", "--since", "yesterday")


def test_the_beat_runs_reconcile_every_ten_minutes(click_merchant, prepared, settings):
    from auctions import tasks

    click_merchant.record(prepared, status="paid")
    schedule = settings.CELERY_BEAT_SCHEDULE["reconcile"]

    left = tasks.reconcile.delay().get()

    prepared.refresh_from_db()
    assert (schedule["task"], schedule["schedule"]) == ("auctions.tasks.reconcile", 600.0)
    assert left == 0
    assert prepared.status == Status.COMPLETED


def test_paid_at_click_for_a_payment_we_closed_is_flagged(click_merchant, settings, prepared):
    from auctions import payment_flow

    url = settings.CLICK_MERCHANT_API_URL
    settings.CLICK_MERCHANT_API_URL = "http://127.0.0.1:9/v2/merchant"
    assert reconcile()[0] == 1  # left open: Click could not be asked
    payment_flow.fail_payment(prepared.pk, cause="test")  # then closed on our side
    settings.CLICK_MERCHANT_API_URL = url
    click_merchant.record(prepared, status="paid")

    code, out = reconcile()

    prepared.refresh_from_db()
    assert code == 1
    assert (prepared.status, prepared.needs_refund) == (Status.FAILED, True)
    assert "Refund" in out
    assert Reconciliation.objects.get(payment=prepared).is_open
