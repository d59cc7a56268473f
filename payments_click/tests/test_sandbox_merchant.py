"""The Merchant API fake's own checks (payments_click/sandbox_merchant.py)."""

import json
import time

import pytest

from payments_click.merchant_api import auth_header
from payments_click.sandbox_merchant import MerchantAPI

LEDGER_ENTRY = {
    "payment_id": 42,
    "paydoc_id": 42,
    "amount": "50000.00",
    "status": "paid",
    "service_id": "12345",
    "created_ms": 1736919000000,  # 2025-01-15 10:30 Tashkent
}


@pytest.fixture
def api():
    return MerchantAPI({"AUCTION_A1B2C3D4E5F6G7H8I9J0": dict(LEDGER_ENTRY)}, 12345, 777, "KEY")


def call(api, method, path, *, user="777", key="KEY", stamp=None):
    header = auth_header(user, key, stamp if stamp is not None else int(time.time()))
    status, headers, body = api.handle(method, path, {"Auth": header}, b"")
    return status, json.loads(body)


def test_status_by_mti_answers_for_the_day_the_payment_was_made(api):
    path = "/v2/merchant/payment/status_by_mti/12345/AUCTION_A1B2C3D4E5F6G7H8I9J0/2025-01-15"

    assert call(api, "GET", path) == (
        200,
        {
            "error_code": 0,
            "error_note": "Success",
            "payment_id": 42,
            "payment_status": 2,
            "merchant_trans_id": "AUCTION_A1B2C3D4E5F6G7H8I9J0",
        },
    )
    assert call(api, "GET", path.replace("2025-01-15", "2025-01-16"))[1]["error_code"] != 0


@pytest.mark.parametrize(
    "auth",
    [
        {"user": "778"},
        {"key": "OTHER"},
        {"stamp": int(time.time()) - 3600},
    ],
)
def test_a_bad_auth_header_is_401(api, auth):
    status, body = call(api, "GET", "/v2/merchant/payment/status/12345/42", **auth)

    assert status == 401
    assert body["error_code"] != 0


def test_a_reversal_changes_the_ledger_once(api):
    first = call(api, "DELETE", "/v2/merchant/payment/reversal/12345/42")
    second = call(api, "DELETE", "/v2/merchant/payment/reversal/12345/42")

    assert first == (200, {"error_code": 0, "error_note": "Success", "payment_id": 42})
    assert second[1]["error_code"] != 0
    assert api.ledger["AUCTION_A1B2C3D4E5F6G7H8I9J0"]["status"] == "reversed"
    assert api.reversals == [42]


def test_another_service_and_unknown_paths_are_refused(api):
    assert call(api, "GET", "/v2/merchant/payment/status/99999/42")[1]["error_code"] != 0
    assert call(api, "GET", "/v2/merchant/invoice/create")[0] == 404
    assert call(api, "POST", "/v2/merchant/payment/reversal/12345/42")[0] == 404
