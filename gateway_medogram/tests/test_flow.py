"""The whole flow over real HTTP: API start, the sandbox's pay page, our callback, verify."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from auctions.models import AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from gateway_medogram.models import LogKind, MedogramPayment, MedogramPaymentLog

from .conftest import callback_query

pytestmark = pytest.mark.django_db


def test_seller_pays_on_the_sandbox_and_the_auction_becomes_paid(
    start_medogram, sandbox, client, auction, settings
):
    answer, payment = start_medogram()

    assert answer.status_code == 201
    body = answer.json()
    medogram = MedogramPayment.objects.get(payment=payment)
    assert body["provider"] == "medogram"
    assert body["currency"] == "IRR"
    assert Decimal(body["amount"]) == settings.MEDOGRAM_FEE_RIAL
    assert body["status"] == Status.PROCESSING
    assert body["pay_url"] == f"{sandbox.base_url}/payment/gateway-{medogram.id_get}-get"
    gateway_side = sandbox.state()["payments"][medogram.id_get]
    assert gateway_side["factorId"] == payment.merchant_trans_id
    assert Decimal(gateway_side["amount"]) == settings.MEDOGRAM_FEE_RIAL

    location = sandbox.pay(body["pay_url"])
    assert location.startswith("http://testserver/api/payments/medogram/callback/?")
    returned = client.get(location)

    assert returned.status_code == 302
    assert returned["Location"] == reverse("site:payment-result", args=[payment.merchant_trans_id])
    payment.refresh_from_db()
    auction.refresh_from_db()
    medogram.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert payment.completed_at is not None
    assert auction.is_paid
    assert auction.status == AuctionStatus.SCHEDULED
    query = callback_query(location)
    assert medogram.trans_id == query["trans_id"]
    assert medogram.tracking_code == query["tracking_code"]
    assert medogram.card_number == "603799******1234"
    assert medogram.verified_status == 1
    assert sandbox.state()["calls"]["verify"] == 1
    kinds = list(MedogramPaymentLog.objects.filter(payment=medogram).values_list("kind", flat=True))
    assert kinds == [LogKind.USER_FETCH, LogKind.REQUEST, LogKind.CALLBACK, LogKind.VERIFICATION]
    events = PaymentEvent.objects.filter(payment=payment).values_list("to_status", "cause")
    assert list(events) == [(Status.PROCESSING, "medogram"), (Status.COMPLETED, "medogram")]


def test_callback_by_post_redirects_to_medogram_redirect_url(paid_at_gateway, client, settings):
    payment, query = paid_at_gateway
    settings.MEDOGRAM_REDIRECT_URL = "https://app.example.uz/paid?from=medogram"

    returned = client.post("/api/payments/medogram/callback/", query)

    assert returned.status_code == 302
    target = urlsplit(returned["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "app.example.uz", "/paid")
    assert dict(parse_qsl(target.query)) == {
        "from": "medogram",
        "merchant_trans_id": payment.merchant_trans_id,
        "status": "completed",
    }
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED


def test_callback_answers_json_when_the_client_prefers_it(paid_at_gateway, client):
    payment, query = paid_at_gateway

    returned = client.get(
        "/api/payments/medogram/callback/", query, headers={"accept": "application/json"}
    )

    assert returned.status_code == 200
    assert returned.json() == {
        "merchant_trans_id": payment.merchant_trans_id,
        "status": "completed",
        "detail": "confirmed",
    }


def test_declined_payment_fails(start_medogram, sandbox, client, auction):
    answer, payment = start_medogram()

    location = sandbox.pay(answer.json()["pay_url"], decline=True)
    returned = client.get(location, headers={"accept": "application/json"})

    assert returned.json()["status"] == "failed"
    payment.refresh_from_db()
    auction.refresh_from_db()
    assert payment.status == Status.FAILED
    assert not auction.is_paid
    verification = MedogramPaymentLog.objects.get(kind=LogKind.VERIFICATION)
    assert verification.payload["reason"] == "gateway status -4"


def test_seller_can_start_again_after_a_failed_payment(start_medogram, sandbox, client):
    answer, first = start_medogram()
    client.get(sandbox.pay(answer.json()["pay_url"], decline=True))

    again, _ = start_medogram()

    assert again.status_code == 201
    assert again.json()["merchant_trans_id"] != first.merchant_trans_id


def test_open_payment_is_returned_not_reopened(start_medogram, sandbox):
    first, payment = start_medogram()

    second, _ = start_medogram()

    assert second.status_code == 200
    assert second.json()["merchant_trans_id"] == payment.merchant_trans_id
    assert second.json()["pay_url"] == first.json()["pay_url"]
    assert sandbox.state()["calls"]["create"] == 1


def test_unknown_id_get_answers_400(sandbox, client, settings):
    returned = client.get("/api/payments/medogram/callback/", {"trans_id": "1", "id_get": "999999"})

    assert returned.status_code == 400
    assert returned.json()["status"] == "unknown"
    settings.MEDOGRAM_REDIRECT_URL = "https://app.example.uz/paid"
    redirected = client.get(
        "/api/payments/medogram/callback/", {"trans_id": "1", "id_get": "999999"}
    )
    assert redirected.status_code == 302
    assert "status=unknown" in redirected["Location"]
    # CONTRACT 5: naming no payment of ours writes no log row (the `payments` logger has it).
    assert not MedogramPaymentLog.objects.exists()
    assert "verify" not in sandbox.state()["calls"]


def test_sandbox_refuses_a_wrong_api_key(start_medogram, sandbox, settings):
    settings.MEDOGRAM_API_KEY = "not-the-key"

    answer, payment = start_medogram()

    assert answer.status_code == 502
    payment.refresh_from_db()
    assert payment.status == Status.FAILED
    error = MedogramPaymentLog.objects.get(kind=LogKind.ERROR)
    assert error.payload["code"] == -1
