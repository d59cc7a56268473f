"""Callbacks repeated, raced, or confirming a payment for an auction already paid."""

import threading

import pytest
from django.db import connection
from django.test import Client

from auctions.models import PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.factories import PaymentFactory
from gateway_medogram.models import LogKind, MedogramPaymentLog
from gateway_medogram.services import callback_signature

CALLBACK = "/api/payments/medogram/callback/"
JSON = {"accept": "application/json"}


@pytest.mark.django_db
def test_replayed_callback_changes_nothing(paid_at_gateway, sandbox, client, auction):
    payment, query = paid_at_gateway
    first = client.get(CALLBACK, query, headers=JSON)

    second = client.get(CALLBACK, query, headers=JSON)
    third = client.get(CALLBACK, query)

    assert first.json()["status"] == second.json()["status"] == "completed"
    assert third.status_code == 302
    assert PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).count() == 1
    assert sandbox.state()["calls"]["verify"] == 1  # a final payment is not verified again
    assert MedogramPaymentLog.objects.filter(kind=LogKind.CALLBACK).count() == 3
    auction.refresh_from_db()
    assert auction.is_paid


@pytest.mark.django_db
def test_replayed_callback_of_a_failed_payment_stays_failed(paid_at_gateway, sandbox, client):
    payment, query = paid_at_gateway
    sandbox.set_mode("wrong_amount")
    client.get(CALLBACK, query)
    sandbox.set_mode("normal")

    again = client.get(CALLBACK, query, headers=JSON)

    assert again.json()["status"] == "failed"
    payment.refresh_from_db()
    assert payment.status == Status.FAILED


@pytest.mark.django_db
def test_confirmation_for_an_auction_paid_meanwhile_flags_a_refund(
    paid_at_gateway, client, auction
):
    payment, query = paid_at_gateway
    other = PaymentFactory(auction=auction, provider="click")
    from auctions import payment_flow

    payment_flow.complete_payment(other.pk, cause="click")

    answer = client.get(CALLBACK, query, headers=JSON)

    assert answer.json()["status"] == "processing"
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING
    assert payment.needs_refund
    assert payment.medogram.needs_refund
    assert not PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).exists()
    error = MedogramPaymentLog.objects.get(kind=LogKind.ERROR)
    assert error.payload["needs_refund"] is True
    assert "needs a refund" in error.message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_callbacks_complete_once(paid_at_gateway, sandbox, auction):
    payment, query = paid_at_gateway
    barrier = threading.Barrier(6)
    answers = []

    def callback():
        try:
            barrier.wait(timeout=10)
            answers.append(Client().get(CALLBACK, query, headers=JSON).json()["status"])
        finally:
            connection.close()

    threads = [threading.Thread(target=callback) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers == ["completed"] * 6
    assert PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).count() == 1
    auction.refresh_from_db()
    assert auction.is_paid
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert not payment.needs_refund


@pytest.mark.django_db
def test_failed_payment_charged_on_another_attempt_is_flagged_for_refund(
    start_medogram, sandbox, client
):
    answer, payment = start_medogram()
    pay_url = answer.json()["pay_url"]
    declined = sandbox.pay(pay_url, decline=True)
    client.get(declined)
    # The sandbox keeps one attempt per id_get; a second, paid attempt gets a fresh id.
    id_get = int(payment.medogram.id_get)
    attempt = sandbox.server.state.payments[id_get]
    attempt.state, attempt.trans_id = "paid", "777000111"

    signed = {"sig": callback_signature(payment.merchant_trans_id)}  # as the gateway echoes it
    again = client.get(
        CALLBACK, {"trans_id": "777000111", "id_get": str(id_get), **signed}, headers=JSON
    )

    assert again.json()["status"] == "failed"
    payment.refresh_from_db()
    assert payment.status == Status.FAILED
    assert payment.needs_refund
    assert sandbox.state()["calls"]["verify"] == 2
    error = MedogramPaymentLog.objects.get(kind=LogKind.ERROR)
    assert error.payload["needs_refund"] is True
