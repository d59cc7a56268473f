"""A Medogram payment confirmed after its auction ended unpaid (CONTRACT 1)."""

import pytest

from auctions.models import PaymentStatus as Status
from auctions.tests.test_ended_unpaid import end_unpaid
from gateway_medogram.models import LogKind, MedogramPaymentLog

pytestmark = pytest.mark.django_db


def test_confirmed_after_the_end_stays_processing_and_needs_a_refund(paid_at_gateway, client):
    payment, query = paid_at_gateway
    end_unpaid(payment.auction)

    answer = client.get("/api/payments/medogram/callback/", query, HTTP_ACCEPT="application/json")

    assert answer.status_code == 200
    assert answer.json()["status"] == Status.PROCESSING
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.PROCESSING
    assert payment.needs_refund
    assert not payment.auction.is_paid
    assert MedogramPaymentLog.objects.filter(
        payment__payment=payment, kind=LogKind.ERROR, payload__needs_refund=True
    ).exists()
