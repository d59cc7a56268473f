"""Anything a browser sends to the callback: a readable answer, never a 500, nothing unstorable."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from auctions.models import PaymentEvent
from auctions.models import PaymentStatus as Status
from gateway_medogram.models import LogKind, MedogramPaymentLog

CALLBACK = "/api/payments/medogram/callback/"
JSON = {"accept": "application/json"}
hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(["", "\x00", "1\x00", "-1", "0", "1e3", " 7 ", "٣", "9" * 30]),
)


@pytest.mark.django_db
@hypothesis_settings(max_examples=60)
@given(
    fields=st.dictionaries(st.sampled_from(["trans_id", "id_get", "tracking_code"]), hostile_text)
)
def test_any_callback_gets_a_readable_answer_and_stores_no_bad_text(fields):
    answer = Client(raise_request_exception=False).post(CALLBACK, fields, headers=JSON)

    assert answer.status_code == 400
    assert answer.json()["status"] in ("invalid", "unknown")
    for row in MedogramPaymentLog.objects.values_list("message", "payload"):
        assert "\x00" not in str(row)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"trans_id": "1\x00", "id_get": "1001"},
        {"trans_id": "1", "id_get": "1001", "tracking_code": "x" * 101},
        {"trans_id": "1", "id_get": "0"},
        {"id_get": "1001"},
    ],
)
def test_unreadable_fields_of_a_known_payment_change_nothing(paid_at_gateway, sandbox, fields):
    payment, _ = paid_at_gateway

    answer = Client().get(CALLBACK, fields, headers=JSON)

    assert answer.status_code == 400
    assert answer.json()["status"] == "invalid"
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING
    assert payment.medogram.trans_id == ""
    assert not PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).exists()
    # Naming no payment of ours: no log row (CONTRACT 5), only the `payments` logger.
    assert not MedogramPaymentLog.objects.filter(kind=LogKind.CALLBACK, payment=None).exists()
    assert "verify" not in sandbox.state()["calls"]


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["trans_id=%ED%A0%80&id_get=1001", "trans_id=%00&id_get=%FF%FE"])
def test_undecodable_query_bytes_are_refused(paid_at_gateway, raw):
    payment, _ = paid_at_gateway

    answer = Client().get(f"{CALLBACK}?{raw}", headers=JSON)

    assert answer.status_code == 400
    assert answer.json()["status"] == "invalid"
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING


@pytest.mark.django_db
def test_callback_needs_no_csrf_token(paid_at_gateway):
    payment, query = paid_at_gateway

    answer = Client(enforce_csrf_checks=True).post(CALLBACK, query, headers=JSON)

    assert answer.status_code == 200
    assert answer.json()["status"] == "completed"


@pytest.mark.django_db
def test_other_methods_are_refused(sandbox):
    assert Client().put(CALLBACK).status_code == 405
