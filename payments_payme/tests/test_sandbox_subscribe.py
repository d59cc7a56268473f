"""The Subscribe API fake itself (PROVIDERS 2.7), over HTTP as our server and a browser see it."""

import json

import pytest
import requests

from payments_payme.sandbox_subscribe import FAULTS, SMS_CODE, SubscribeAPI

from .subscribe_server import client_call, verified_token

MERCHANT = "000000000000000000000001"
KEY = "TEST_KEY_123"


def server_call(url, method, params, key=KEY):
    return requests.post(
        url,
        json={"id": 1, "method": method, "params": params},
        headers={"X-Auth": f"{MERCHANT}:{key}"},
        timeout=10,
    ).json()


@pytest.fixture
def url(subscribe, settings):
    return settings.PAYME_SUBSCRIBE_URL


def test_the_interface_the_payme_sandbox_mounts():
    api = SubscribeAPI(MERCHANT, lambda: KEY, "")

    status, headers, body = api.handle("OPTIONS", "/api", {}, b"")
    answered = api.handle("POST", "/api", {"X-Auth": MERCHANT}, b"not json")

    assert status == 204 and ("Access-Control-Allow-Origin", "*") in headers
    assert "X-Auth" in dict(headers)["Access-Control-Allow-Headers"]
    assert json.loads(answered[2])["error"]["code"] == -32700
    assert set(api.faults) >= {"insufficient_funds", "lost_pay", "cancel_fails"}
    api.set_fault("lost_pay")
    assert api.fault == "lost_pay"
    api.set_fault(None)
    with pytest.raises(ValueError, match="fault must be one of"):
        api.set_fault("no_such_fault")
    page = api.page_html()
    assert "8600 0691 9540 6311" in page and SMS_CODE in page and "03/99" in page
    assert tuple(FAULTS) == api.faults


def test_a_browser_preflight_gets_cors(url):
    answer = requests.options(
        url,
        headers={
            "Origin": "http://127.0.0.1:8000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-auth",
        },
        timeout=5,
    )

    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_cards_need_the_sms_code_and_server_methods_need_the_key(url):
    created = client_call(
        url,
        MERCHANT,
        "cards.create",
        {"card": {"number": "8600069195406311", "expire": "0399"}, "save": True},
    )
    token = created["result"]["card"]["token"]

    wrong = client_call(url, MERCHANT, "cards.verify", {"token": token, "code": "000000"})
    check_by_id = client_call(url, MERCHANT, "cards.check", {"token": token})
    check_by_key = server_call(url, "cards.check", {"token": token})
    bad_key = server_call(url, "cards.check", {"token": token}, key="wrong")

    assert created["result"]["card"]["number"] == "860006******6311"
    assert created["result"]["card"]["verify"] is False
    assert wrong["error"]["code"] == -31103
    assert check_by_id["error"]["code"] == -32504
    assert check_by_key["result"]["card"]["verify"] is False
    assert bad_key["error"]["code"] == -32504


@pytest.mark.parametrize(
    ("number", "code"),
    [("8600060921090842", -31301), ("3333336415804657", -31301), ("1234567812345678", -31300)],
)
def test_test_cards_that_fail(url, number, code):
    created = client_call(
        url, MERCHANT, "cards.create", {"card": {"number": number, "expire": "0399"}}
    )
    if "error" in created:
        assert created["error"]["code"] == code
        return
    token = created["result"]["card"]["token"]
    sent = client_call(url, MERCHANT, "cards.get_verify_code", {"token": token})
    assert sent["error"]["code"] == code


def test_a_hold_is_captured_or_cancelled(url, settings):
    token = verified_token(url, MERCHANT)
    receipts = []
    for _ in range(2):
        created = server_call(
            url, "receipts.create", {"amount": 100, "account": {"order_id": "X"}, "hold": True}
        )
        receipt_id = created["result"]["receipt"]["_id"]
        paid = server_call(url, "receipts.pay", {"id": receipt_id, "token": token, "hold": True})
        assert paid["result"]["receipt"]["state"] == 5
        receipts.append(receipt_id)

    confirmed = server_call(url, "receipts.confirm_hold", {"id": receipts[0]})
    cancelled = server_call(url, "receipts.cancel", {"id": receipts[1]})

    assert confirmed["result"]["receipt"]["state"] == 4
    assert cancelled["result"]["receipt"]["state"] == 50
    assert server_call(url, "receipts.check", {"id": receipts[1]})["result"] == {"state": 50}


def test_faults(url, subscribe):
    token = verified_token(url, MERCHANT)

    def new_receipt():
        created = server_call(url, "receipts.create", {"amount": 100, "account": {"a": "1"}})
        return created["result"]["receipt"]["_id"]

    subscribe.set_fault("insufficient_funds")
    refused = server_call(url, "receipts.pay", {"id": new_receipt(), "token": token})
    subscribe.set_fault("lost_pay")
    lost_id = new_receipt()
    lost = requests.post(
        url,
        json={"id": 1, "method": "receipts.pay", "params": {"id": lost_id, "token": token}},
        headers={"X-Auth": f"{MERCHANT}:{KEY}"},
        timeout=10,
    )
    subscribe.set_fault("cancel_fails")
    cancel = server_call(url, "receipts.cancel", {"id": lost_id})

    assert refused["error"]["code"] == -31303
    assert refused["error"]["message"]["ru"] == "Недостаточно средств на карте"
    assert lost.status_code == 504 and lost.content == b""
    assert server_call(url, "receipts.check", {"id": lost_id})["result"]["state"] == 4
    assert "error" in cancel
