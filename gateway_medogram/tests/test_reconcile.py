"""python manage.py verify_medogram_payments: payments left processing are settled later."""

import pytest
from django.core.management import call_command

from auctions.models import PaymentStatus as Status
from gateway_medogram.models import LogKind, MedogramPaymentLog

pytestmark = pytest.mark.django_db
CALLBACK = "/api/payments/medogram/callback/"


def test_reconciliation_completes_a_payment_the_gateway_says_is_paid(
    paid_at_gateway, sandbox, client, auction, capsys
):
    payment, query = paid_at_gateway
    sandbox.set_mode("garbage", only="verify")
    client.get(CALLBACK, query)  # the gateway's answer was unreadable: left processing
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING
    sandbox.set_mode("normal")

    call_command("verify_medogram_payments")

    payment.refresh_from_db()
    auction.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert auction.is_paid
    assert "checked=1, completed=1, failed=0" in capsys.readouterr().out
    assert MedogramPaymentLog.objects.filter(kind=LogKind.VERIFICATION).count() == 1


def test_reconciliation_fails_a_declined_payment_and_skips_unknown_trans_id(
    start_medogram, sandbox, client, seller, capsys
):
    from auctions.tests.factories import AuctionFactory

    answer, declined = start_medogram()
    location = sandbox.pay(answer.json()["pay_url"], decline=True)
    sandbox.set_mode("drop", only="verify")
    client.get(location)
    sandbox.set_mode("normal")
    _, abandoned = start_medogram(AuctionFactory(seller=seller, listing__owner=seller))

    call_command("verify_medogram_payments")

    declined.refresh_from_db()
    abandoned.refresh_from_db()
    assert declined.status == Status.FAILED
    assert abandoned.status == Status.PROCESSING  # no trans_id: verify cannot be called
    out = capsys.readouterr().out
    assert "checked=1, completed=0, failed=1" in out
    assert "skipped_without_trans_id=1" in out


def test_reconciliation_leaves_processing_while_the_gateway_is_down(
    paid_at_gateway, sandbox, client, capsys
):
    payment, query = paid_at_gateway
    sandbox.set_mode("garbage", only="verify")
    client.get(CALLBACK, query)

    call_command("verify_medogram_payments")

    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING
    assert "still_processing=1" in capsys.readouterr().out
