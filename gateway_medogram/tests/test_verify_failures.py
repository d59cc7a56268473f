"""Verify answers that must not complete a payment: failed or left processing, and why."""

import pytest

from auctions.models import PaymentEvent
from auctions.models import PaymentStatus as Status
from gateway_medogram.models import LogKind, MedogramPaymentLog

pytestmark = pytest.mark.django_db


def drive_callback(client, query):
    return client.get(
        "/api/payments/medogram/callback/", query, headers={"accept": "application/json"}
    )


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("wrong_amount", "amount 501000 differs from ours 500000.00"),
        ("wrong_factor", "factorId differs from ours"),
        ("error", "gateway status -2"),
    ],
)
def test_explicit_failure_or_mismatch_fails_the_payment(
    paid_at_gateway, sandbox, client, auction, mode, reason
):
    payment, query = paid_at_gateway
    sandbox.set_mode(mode)

    answer = drive_callback(client, query)

    assert answer.status_code == 200
    assert answer.json()["status"] == "failed"
    payment.refresh_from_db()
    auction.refresh_from_db()
    assert payment.status == Status.FAILED
    assert not auction.is_paid
    verification = MedogramPaymentLog.objects.get(kind=LogKind.VERIFICATION)
    assert verification.payload["decision"] == "fail"
    assert verification.payload["reason"] == reason
    event = PaymentEvent.objects.get(payment=payment, to_status=Status.FAILED)
    assert event.reference["reason"] == reason


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("timeout", "unreachable"), ("garbage", "bad_answer"), ("drop", "unreachable")],
)
def test_unreachable_or_unreadable_gateway_leaves_processing(
    paid_at_gateway, sandbox, client, auction, settings, mode, reason
):
    payment, query = paid_at_gateway
    settings.MEDOGRAM_READ_TIMEOUT = 0.5  # production keeps >= 10 s; the sandbox hangs 1.5 s
    sandbox.set_mode(mode, hang=1.5)

    answer = drive_callback(client, query)

    assert answer.status_code == 200
    assert answer.json()["status"] == "processing"
    payment.refresh_from_db()
    auction.refresh_from_db()
    assert payment.status == Status.PROCESSING
    assert not auction.is_paid
    assert not MedogramPaymentLog.objects.filter(kind=LogKind.VERIFICATION).exists()
    error = MedogramPaymentLog.objects.get(kind=LogKind.ERROR)
    assert error.payload["call"] == "verify"
    assert error.payload["reason"] == reason
    assert error.message.startswith("verify failed, left processing")
    # The payer may have been charged: the trans_id is kept for reconciliation.
    assert payment.medogram.trans_id == query["trans_id"]


def test_verify_is_retried_on_connection_errors(paid_at_gateway, sandbox, client):
    payment, query = paid_at_gateway
    sandbox.set_mode("drop")

    drive_callback(client, query)

    assert sandbox.state()["calls"]["verify"] == 3
    error = MedogramPaymentLog.objects.get(kind=LogKind.ERROR)
    assert "after 3 attempts" in error.payload["error"]


def test_read_timeout_is_not_retried(paid_at_gateway, sandbox, client, settings):
    payment, query = paid_at_gateway
    settings.MEDOGRAM_READ_TIMEOUT = 0.3
    sandbox.set_mode("timeout", hang=0.8)

    drive_callback(client, query)

    assert sandbox.state()["calls"]["verify"] == 1


def test_processing_payment_completes_when_the_gateway_is_back(paid_at_gateway, sandbox, client):
    payment, query = paid_at_gateway
    sandbox.set_mode("garbage")
    drive_callback(client, query)

    sandbox.set_mode("normal")
    answer = drive_callback(client, query)

    assert answer.json()["status"] == "completed"
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
