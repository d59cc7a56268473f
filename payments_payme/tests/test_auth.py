"""HTTP Basic "Paycom:<PAYME_KEY>" (PROVIDERS 2.1): whole decoded bytes, strict base64."""

import base64

import pytest

from payments_payme.models import PaymeTransaction

from .payme_client import basic_header, error_code

pytestmark = pytest.mark.django_db


def test_the_spec_example_header_is_accepted(payme, payme_payment):
    header = "Basic UGF5Y29tOlRFU1RfS0VZXzEyMw=="

    answer = payme.post(_check_perform_body(payme_payment), authorization=header).json()

    assert answer["result"] == {"allow": True}


@pytest.mark.parametrize(
    "authorization",
    [
        basic_header("WRONG"),
        basic_header("TEST_KEY_123", login="paycom"),
        basic_header("TEST_KEY_123", login="Payme"),
        basic_header("TEST_KEY_123x"),
        basic_header("TEST_KEY_12"),
        "Basic " + base64.b64encode(b"Paycom:TEST_KEY_123:").decode(),
        "Basic " + base64.b64encode(b":Paycom:TEST_KEY_123").decode(),
        "Basic UGF5Y29tOlRFU1RfS0VZXzEyMw",  # padding missing: not strict base64
        "Basic UGF5Y29tOlRFU1RfS0VZXzEyMw==!",
        "Basic UGF5Y29tOl RFU1RfS0VZXzEyMw==",
        "Bearer UGF5Y29tOlRFU1RfS0VZXzEyMw==",
        "UGF5Y29tOlRFU1RfS0VZXzEyMw==",
        "Basic",
        "Basic ÿÿÿÿ",
    ],
)
def test_anything_but_the_exact_credentials_is_32504(payme, payme_payment, authorization):
    answer = payme.post(_create_body(payme_payment), authorization=authorization).json()

    assert answer["error"]["code"] == -32504
    assert answer["id"] == 7  # the request id is echoed even on refusal
    assert not PaymeTransaction.objects.exists()


def test_missing_header_is_32504(client, payme_payment):
    response = client.post(
        "/api/payments/payme/", _create_body(payme_payment), content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["error"]["code"] == -32504


@pytest.mark.parametrize("key", ["k:e:y", "key==", "a=b:c=", "ключ-with-unicode"])
def test_a_key_may_hold_colons_equals_and_more(payme, payme_payment, settings, key):
    settings.PAYME_KEY = key

    assert payme.check_perform(payme_payment, key=key)["result"] == {"allow": True}
    assert error_code(payme.check_perform(payme_payment, key=key + "x")) == -32504


def test_an_empty_payme_key_refuses_everything(payme, payme_payment, settings):
    settings.PAYME_KEY = ""

    assert error_code(payme.check_perform(payme_payment, key="")) == -32504


def test_a_settings_override_of_the_key_is_honoured_at_once(payme, payme_payment, settings):
    assert payme.check_perform(payme_payment)["result"] == {"allow": True}

    settings.PAYME_KEY = "ROTATED_KEY"

    assert error_code(payme.check_perform(payme_payment, key="TEST_KEY_123")) == -32504
    assert payme.check_perform(payme_payment, key="ROTATED_KEY")["result"] == {"allow": True}


def test_allow_list_refuses_other_addresses_but_never_replaces_the_key(
    payme, payme_payment, settings
):
    settings.PAYME_ALLOWED_IPS = ["185.234.113.0/28", "10.0.0.7"]

    outside = payme.check_perform(payme_payment, REMOTE_ADDR="127.0.0.1")
    inside = payme.check_perform(payme_payment, REMOTE_ADDR="185.234.113.5")
    exact = payme.check_perform(payme_payment, REMOTE_ADDR="10.0.0.7")
    inside_wrong_key = payme.check_perform(payme_payment, key="WRONG", REMOTE_ADDR="10.0.0.7")

    assert error_code(outside) == -32504
    assert inside["result"] == exact["result"] == {"allow": True}
    assert error_code(inside_wrong_key) == -32504


def test_auth_is_checked_before_the_body_is_judged(payme):
    answer = payme.post(b"{not json", authorization=basic_header("WRONG")).json()

    assert answer["error"]["code"] == -32504


def _create_body(payment) -> str:
    return (
        '{"method": "CreateTransaction", "id": 7, "params": {"id": "63f1a0c2e4b0d1a2b3c4d5e6", '
        f'"time": 1700000000000, "amount": 5000000, "account": {{"order_id": '
        f'"{payment.merchant_trans_id}"}}}}}}'
    )


def _check_perform_body(payment) -> str:
    return (
        '{"method": "CheckPerformTransaction", "id": 1, "params": {"amount": 5000000, '
        f'"account": {{"order_id": "{payment.merchant_trans_id}"}}}}}}'
    )
