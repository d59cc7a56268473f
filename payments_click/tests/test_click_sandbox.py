"""The local Click sandbox against the live site: the page, Prepare/Complete, every fault."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from auctions.models import AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from payments_click.models import ClickTransaction
from payments_click.sandbox import click_sign

from .sandbox_helpers import press, sandbox_state, set_fault, started_click_sandbox
from .signed_client import SECRET, SERVICE_ID

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def click_sandbox(live_server, settings):
    server, stop = started_click_sandbox(site=live_server.url)
    settings.CLICK_PAY_URL = f"{server.base_url}/services/pay"
    settings.SITE_URL = live_server.url
    yield server
    stop()


@pytest.fixture
def pay_url(seller_api, auction, click_sandbox):
    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "click"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    return answer.json()["pay_url"]


def payment_of(pay_url):
    from auctions.models import AuctionPayment

    order = parse_qs(urlsplit(pay_url).query)["transaction_param"][0]
    return AuctionPayment.objects.select_related("auction").get(merchant_trans_id=order)


def steps(server, name=None):
    (attempt,) = server.attempts_for()
    return [step for step in attempt.steps if name is None or step.name == name]


def errors(server, name):
    return [step.answer["error"] for step in steps(server, name)]


def completions(payment):
    return PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).count()


def test_pay_url_leads_to_the_sandbox_and_carries_the_return_url(pay_url, click_sandbox):
    url = urlsplit(pay_url)
    query = parse_qs(url.query)
    payment = payment_of(pay_url)

    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{click_sandbox.base_url}/services/pay"
    assert query["return_url"] == [f"{click_sandbox.site}/payments/{payment.merchant_trans_id}/"]
    page = requests.get(pay_url, timeout=10).text
    assert payment.merchant_trans_id in page
    assert "50,000 UZS" in page


def test_pay_sends_signed_prepare_then_complete_and_returns_the_browser(pay_url, click_sandbox):
    payment = payment_of(pay_url)

    answer = press(pay_url, "pay")

    assert answer.headers["Location"] == parse_qs(urlsplit(pay_url).query)["return_url"][0]
    assert [step.name for step in steps(click_sandbox)] == ["Prepare", "Complete"]
    assert errors(click_sandbox, "Prepare") == [0]
    assert errors(click_sandbox, "Complete") == [0]
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert (payment.auction.is_paid, payment.auction.status) == (True, AuctionStatus.SCHEDULED)
    assert completions(payment) == 1
    # The ledger the Merchant API fake reads holds the ids sent in the callbacks.
    row = ClickTransaction.objects.get(payment=payment)
    entry = click_sandbox.ledger[payment.merchant_trans_id]
    # The Merchant API's payment_id is the callbacks' click_paydoc_id (CONTRACT 11), a
    # number apart from click_trans_id, so a swap of the two cannot pass unnoticed.
    assert entry["payment_id"] == entry["paydoc_id"] == row.click_paydoc_id
    assert row.click_paydoc_id != row.click_trans_id
    assert (entry["amount"], entry["status"], entry["service_id"]) == ("50000.00", "paid", 12345)
    assert len(str(entry["created_ms"])) == 13
    # The sandbox's page shows what each callback answered.
    page = requests.get(pay_url, timeout=10).text
    assert "Success" in page
    assert "paid: Complete answered 0 Success" in page


def test_decline_completes_with_error_5017_and_the_payment_fails(pay_url, click_sandbox):
    payment = payment_of(pay_url)

    press(pay_url, "decline")

    (complete,) = steps(click_sandbox, "Complete")
    assert complete.request["error"] == "-5017"
    assert complete.answer["error"] == -9
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.FAILED
    assert (payment.auction.is_paid, payment.auction.status) == (False, "pending_payment")
    assert click_sandbox.ledger[payment.merchant_trans_id]["status"] == "declined"


def test_repeat_sends_every_callback_twice_with_one_effect(pay_url, click_sandbox):
    payment = payment_of(pay_url)
    set_fault(click_sandbox.base_url, "repeat")

    press(pay_url)

    prepares = steps(click_sandbox, "Prepare")
    assert [step.answer["error"] for step in prepares] == [0, 0]
    assert prepares[0].answer == prepares[1].answer  # the same merchant_prepare_id
    assert errors(click_sandbox, "Complete") == [0, -4]  # Click's docs: "Already paid"
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert completions(payment) == 1


@pytest.mark.postgres
def test_concurrent_completes_complete_the_payment_once(pay_url, click_sandbox):
    payment = payment_of(pay_url)
    set_fault(click_sandbox.base_url, "concurrent")

    press(pay_url)

    assert sorted(errors(click_sandbox, "Complete")) == [-4] * 7 + [0]
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert payment.auction.is_paid
    assert completions(payment) == 1


@pytest.mark.parametrize("fault", ["slow", "drop"])
def test_a_lost_answer_is_followed_by_a_retry_with_one_effect(pay_url, click_sandbox, fault):
    payment = payment_of(pay_url)
    set_fault(click_sandbox.base_url, fault)

    press(pay_url)

    first, retry = steps(click_sandbox, "Complete")
    if fault == "slow":
        assert first.answer["error"] == 0  # answered, but read too late
        assert first.seconds >= click_sandbox.slow_seconds
        assert retry.answer["error"] == -4
    else:
        assert first.answer is None
        assert first.problem.startswith("dropped")
        assert retry.answer["error"] in (0, -4)
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert completions(payment) == 1
    assert click_sandbox.ledger[payment.merchant_trans_id]["status"] == "paid"


@pytest.mark.parametrize(("fault", "error"), [("wrong_amount", -2), ("bad_sign", -1)])
def test_a_refused_prepare_stops_the_payment_and_changes_nothing(
    pay_url, click_sandbox, fault, error
):
    payment = payment_of(pay_url)
    set_fault(click_sandbox.base_url, fault)

    answer = press(pay_url)

    assert answer.headers["Location"].endswith(f"/payments/{payment.merchant_trans_id}/")
    assert [step.name for step in steps(click_sandbox)] == ["Prepare"]
    assert errors(click_sandbox, "Prepare") == [error]
    if fault == "wrong_amount":
        assert steps(click_sandbox)[0].request["amount"] == "50001.00"
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    assert not ClickTransaction.objects.exists()
    assert payment.merchant_trans_id not in click_sandbox.ledger
    state = sandbox_state(click_sandbox.base_url)
    assert state["attempts"][0]["outcome"].startswith("not paid: Prepare answered")


def test_the_fault_form_and_switch(click_sandbox):
    base = click_sandbox.base_url
    assert set(set_fault(base, "bad_sign")["faults"]) >= {
        "repeat",
        "concurrent",
        "slow",
        "drop",
        "wrong_amount",
        "bad_sign",
    }
    assert sandbox_state(base)["fault"] == "bad_sign"
    assert set_fault(base, "")["fault"] == ""
    assert sandbox_state(base)["fault"] == ""

    refused = requests.post(f"{base}/__sandbox__/fault", data={"fault": "bad_key"}, timeout=5)
    assert refused.status_code == 400  # Payme's fault, not Click's
    back = requests.post(
        f"{base}/__sandbox__/fault",
        data={"fault": "repeat", "next": "/services/pay?x=1"},
        allow_redirects=False,
        timeout=5,
    )
    assert (back.status_code, back.headers["Location"]) == (303, "/services/pay?x=1")
    assert 'value="repeat" selected' in requests.get(f"{base}/", timeout=5).text


def test_a_page_for_another_service_is_refused(click_sandbox):
    page = requests.get(
        f"{click_sandbox.base_url}/services/pay",
        params={"service_id": "999", "merchant_id": "777", "amount": "50000.00"},
        timeout=5,
    )
    assert page.status_code == 400
    assert "Unknown service_id" in page.text


def test_merchant_api_paths_go_to_the_merchant_api_fake(click_sandbox):
    class MerchantAPI:
        faults = ("reversal_refused",)

        def __init__(self):
            self.calls, self.fault = [], None

        def handle(self, method, path, headers, body):
            self.calls.append((method, path, headers.get("auth"), body))
            return 200, [("Content-Type", "application/json")], b'{"error_code": 0}'

        def set_fault(self, name):
            self.fault = name

    fake = click_sandbox.merchant_api = MerchantAPI()
    answer = requests.get(
        f"{click_sandbox.base_url}/v2/merchant/payment/status/12345/1",
        headers={"Auth": "777:digest:1"},
        timeout=5,
    )
    assert (answer.status_code, answer.json()) == (200, {"error_code": 0})
    assert fake.calls == [("GET", "/v2/merchant/payment/status/12345/1", "777:digest:1", b"")]

    set_fault(click_sandbox.base_url, "reversal_refused")
    assert (fake.fault, click_sandbox.fault) == ("reversal_refused", "")
    set_fault(click_sandbox.base_url, "repeat")
    assert (fake.fault, click_sandbox.fault) == (None, "repeat")


def test_the_sandbox_signs_with_the_site_settings(click_sandbox):
    assert (click_sandbox.service_id, click_sandbox.secret_key) == (SERVICE_ID, SECRET)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"amount": "50000.00", "action": "0"}, "919be34c4c68925f6b7c255c8ffdaa05"),
        ({"amount": "50000", "action": "0"}, "de39e32b16fa99d40e065970a1290dd2"),
        (
            {
                "amount": "50000.00",
                "action": "1",
                "merchant_prepare_id": "17",
                "sign_time": "2025-01-15 10:30:05",
            },
            "0f9e9375a335eb195c3da973e71dee8e",
        ),
    ],
)
def test_the_sandbox_signs_as_the_spec_vectors_say(fields, expected):
    vector = {
        "click_trans_id": "2001",
        "service_id": "12345",
        "merchant_trans_id": "AUCTION_A1B2C3D4E5F6G7H8I9J0",
        "sign_time": "2025-01-15 10:30:00",
    }
    assert click_sign({**vector, **fields}, "TESTSECRET") == expected


@pytest.mark.parametrize(
    ("method", "path", "form", "status"),
    [
        ("post", "/services/pay", {}, 400),
        ("post", "/services/pay", {"service_id": "12345", "action": "pay"}, 400),
        ("get", "/services/pay?service_id=12345&merchant_id=777&amount=1e9", None, 400),
        ("get", "/__sandbox__/fault", None, 405),
        ("post", "/__sandbox__/fault", {"fault": "\x00"}, 400),
        ("get", "/nowhere", None, 404),
        ("delete", "/services/pay", None, 405),
    ],
)
def test_garbage_gets_an_error_page_and_sends_no_callback(
    click_sandbox, method, path, form, status
):
    answer = requests.request(method, click_sandbox.base_url + path, data=form, timeout=5)

    assert answer.status_code == status
    assert click_sandbox.attempts_for() == []
