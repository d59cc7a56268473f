"""python manage.py reconcile for Medogram (CONTRACT 11): verify, or expire without trans_id."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from auctions.models import AuctionPayment
from auctions.models import PaymentStatus as Status
from gateway_medogram.models import LogKind, MedogramPaymentLog

pytestmark = pytest.mark.django_db
CALLBACK = "/api/payments/medogram/callback/"


def reconcile() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile", "--provider", "medogram", stdout=out, stderr=StringIO())
        return 0, out.getvalue()
    except SystemExit as exit_:
        return exit_.code, out.getvalue()


def age(payment, seconds: int) -> None:
    AuctionPayment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def test_a_payment_the_gateway_confirms_completes(paid_at_gateway, sandbox, client):
    payment, query = paid_at_gateway
    sandbox.set_mode("garbage", only="verify")
    client.get(CALLBACK, query)  # unreadable answer: left processing
    sandbox.set_mode("normal")

    assert reconcile() == (0, "")

    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED


def test_a_gateway_that_cannot_confirm_is_reported(paid_at_gateway, sandbox, client):
    payment, query = paid_at_gateway
    sandbox.set_mode("garbage", only="verify")
    client.get(CALLBACK, query)

    code, out = reconcile()

    payment.refresh_from_db()
    assert code == 1
    assert out.startswith(f"{payment.merchant_trans_id} provider=medogram ours=processing")
    assert payment.status == Status.PROCESSING


def test_without_trans_id_a_payment_waits_until_the_ttl(start_medogram, settings):
    settings.MEDOGRAM_PROCESSING_TTL = 3600
    answer, payment = start_medogram()
    assert payment.status == Status.PROCESSING
    age(payment, 3500)

    assert reconcile() == (0, "")

    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING


def test_without_trans_id_a_payment_is_cancelled_after_the_ttl_with_a_reason(
    start_medogram, settings
):
    settings.MEDOGRAM_PROCESSING_TTL = 3600
    answer, payment = start_medogram()
    age(payment, 3700)

    first = reconcile()
    second = reconcile()

    payment.refresh_from_db()
    assert first == second == (0, "")
    assert payment.status == Status.CANCELLED
    event = payment.events.get(to_status=Status.CANCELLED)
    assert event.cause == "reconcile:medogram"
    assert "MEDOGRAM_PROCESSING_TTL" in event.reference["reason"]
    log = MedogramPaymentLog.objects.get(kind=LogKind.ERROR)
    assert "MEDOGRAM_PROCESSING_TTL" in log.message


def test_the_payment_page_shows_the_gateway_log_and_the_reason(start_medogram, admin_client):
    answer, payment = start_medogram()
    age(payment, 90000)
    reconcile()

    page = admin_client.get(f"/admin/auctions/auctionpayment/{payment.pk}/change/")

    text = page.content.decode()
    assert "Medogram request" in text  # the gateway call that opened it
    assert "cancelled by reconcile: no callback" in text
    assert "processing -&gt; cancelled" in text
