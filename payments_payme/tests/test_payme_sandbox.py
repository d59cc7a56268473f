"""The local Payme sandbox against the live site: the checkout, the calls, every fault."""

import base64
import re

import pytest
import requests

from auctions.models import AuctionPayment, AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from payments_payme.models import PaymeTransaction

from .conftest import TEST_KEY
from .sandbox_helpers import press, sandbox_state, set_fault, started_payme_sandbox

pytestmark = pytest.mark.django_db(transaction=True)

PAYME_ID = re.compile(r"[0-9a-f]{24}")


@pytest.fixture
def payme_sandbox(live_server, settings):
    server, stop = started_payme_sandbox(site=live_server.url)
    settings.PAYME_CHECKOUT_URL = server.base_url
    settings.SITE_URL = live_server.url
    yield server
    stop()


@pytest.fixture
def started(seller_api, auction, payme_sandbox):
    """(pay_url, payment): the seller started a Payme payment through the API."""
    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "payme"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    payment = AuctionPayment.objects.select_related("auction").get(
        merchant_trans_id=body["merchant_trans_id"]
    )
    return body["pay_url"], payment


def calls(server, method=None):
    (attempt,) = server.attempts_for()
    return [step for step in attempt.steps if method is None or step.name == method]


def completions(payment):
    return PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).count()


def test_pay_url_leads_to_the_sandbox_and_carries_the_return_url(started, payme_sandbox):
    pay_url, payment = started

    assert pay_url.startswith(payme_sandbox.base_url + "/")
    params = base64.b64decode(pay_url.removeprefix(payme_sandbox.base_url + "/")).decode()
    assert f"c={payme_sandbox.site}/payments/{payment.merchant_trans_id}/" in params
    page = requests.get(pay_url, timeout=10).text
    assert payment.merchant_trans_id in page
    assert "50,000 UZS" in page


def test_pay_calls_check_create_perform_and_returns_the_browser(started, payme_sandbox):
    pay_url, payment = started

    answer = press(pay_url, "pay")

    assert (
        answer.headers["Location"] == f"{payme_sandbox.site}/payments/{payment.merchant_trans_id}/"
    )
    assert [step.name for step in calls(payme_sandbox)] == [
        "CheckPerformTransaction",
        "CreateTransaction",
        "PerformTransaction",
    ]
    check, create, perform = calls(payme_sandbox)
    assert check.answer["result"]["allow"] is True
    assert create.answer["result"]["state"] == 1
    assert perform.answer["result"]["state"] == 2
    sent = create.request["params"]
    assert PAYME_ID.fullmatch(sent["id"])
    assert len(str(sent["time"])) == 13
    assert sent["amount"] == 5000000
    assert sent["account"] == {"order_id": payment.merchant_trans_id}
    transaction = PaymeTransaction.objects.get(payment=payment)
    assert (transaction.payme_id, transaction.time, transaction.state) == (
        sent["id"],
        sent["time"],
        2,
    )
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert (payment.auction.is_paid, payment.auction.status) == (True, AuctionStatus.SCHEDULED)
    assert completions(payment) == 1
    page = requests.get(pay_url, timeout=10).text
    assert 'paid: PerformTransaction answered {"state": 2}' in page.replace("&quot;", '"')


@pytest.mark.parametrize(("action", "fault", "reason"), [("decline", "", 3), ("pay", "timeout", 4)])
def test_decline_and_timeout_cancel_the_created_transaction(
    started, payme_sandbox, action, fault, reason
):
    pay_url, payment = started
    set_fault(payme_sandbox.base_url, fault)

    press(pay_url, action)

    names = [step.name for step in calls(payme_sandbox)]
    assert names == ["CheckPerformTransaction", "CreateTransaction", "CancelTransaction"]
    cancel = calls(payme_sandbox, "CancelTransaction")[0]
    assert cancel.request["params"]["reason"] == reason
    assert cancel.answer["result"]["state"] == -1
    transaction = PaymeTransaction.objects.get(payment=payment)
    assert (transaction.state, transaction.reason) == (-1, reason)
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.CANCELLED
    assert payment.auction.is_paid is False


def test_repeat_sends_every_call_twice_with_identical_answers(started, payme_sandbox):
    pay_url, payment = started
    set_fault(payme_sandbox.base_url, "repeat")

    press(pay_url)

    for method in ("CheckPerformTransaction", "CreateTransaction", "PerformTransaction"):
        first, second = calls(payme_sandbox, method)
        assert first.answer["result"] == second.answer["result"]
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert completions(payment) == 1
    assert PaymeTransaction.objects.filter(payment=payment).count() == 1


@pytest.mark.postgres
def test_concurrent_performs_complete_the_payment_once(started, payme_sandbox):
    pay_url, payment = started
    set_fault(payme_sandbox.base_url, "concurrent")

    press(pay_url)

    performs = calls(payme_sandbox, "PerformTransaction")
    assert len(performs) == 8
    results = [step.answer["result"] for step in performs]
    assert all(result == results[0] for result in results)
    assert results[0]["state"] == 2
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert completions(payment) == 1


@pytest.mark.parametrize("fault", ["slow", "drop"])
def test_a_lost_answer_is_followed_by_a_retry_with_one_effect(started, payme_sandbox, fault):
    pay_url, payment = started
    set_fault(payme_sandbox.base_url, fault)

    press(pay_url)

    first, retry = calls(payme_sandbox, "PerformTransaction")
    if fault == "slow":
        assert first.seconds >= payme_sandbox.slow_seconds
        assert first.answer["result"] == retry.answer["result"]
    else:
        assert first.answer is None
        assert first.problem.startswith("dropped")
    assert retry.answer["result"]["state"] == 2
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert completions(payment) == 1


@pytest.mark.parametrize(("fault", "code"), [("wrong_amount", -31001), ("bad_key", -32504)])
def test_a_refused_check_stops_the_payment_and_changes_nothing(started, payme_sandbox, fault, code):
    pay_url, payment = started
    set_fault(payme_sandbox.base_url, fault)

    press(pay_url)

    (check,) = calls(payme_sandbox)
    assert check.answer["error"]["code"] == code
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    assert not PaymeTransaction.objects.exists()
    outcome = sandbox_state(payme_sandbox.base_url)["attempts"][0]["outcome"]
    assert outcome.startswith(f"not paid: CheckPerformTransaction answered error {code}")


def test_the_fault_switch_refuses_unknown_names(payme_sandbox):
    base = payme_sandbox.base_url
    assert set(set_fault(base, "timeout")["faults"]) >= {
        "repeat",
        "concurrent",
        "slow",
        "drop",
        "wrong_amount",
        "bad_key",
        "timeout",
    }
    refused = requests.post(f"{base}/__sandbox__/fault", data={"fault": "bad_sign"}, timeout=5)
    assert refused.status_code == 400  # Click's fault, not Payme's
    assert sandbox_state(base)["fault"] == "timeout"


def test_a_link_for_another_merchant_is_refused(payme_sandbox):
    token = base64.b64encode(b"m=someone-else;ac.order_id=X;a=5000000").decode()
    page = requests.get(f"{payme_sandbox.base_url}/{token}", timeout=5)
    assert page.status_code == 400
    assert "Unknown merchant" in page.text


class FakeSubscribeAPI:
    """What payments_payme/sandbox_subscribe.py provides, reduced to its interface."""

    faults = ("card_expired", "slow")

    def __init__(self, merchant_id, key_getter, site_url):
        self.merchant_id, self.key_getter, self.site_url = merchant_id, key_getter, site_url
        self.calls, self.fault = [], None

    def handle(self, method, path, headers, body):
        self.calls.append((method, path, headers.get("x-auth"), body))
        if method == "OPTIONS":
            return 204, [("Access-Control-Allow-Origin", "*")], b""
        return 200, [("Content-Type", "application/json")], b'{"result": {"ok": true}}'

    def set_fault(self, name):
        self.fault = name

    def page_html(self):
        return "<p>Test card <code>8600 0691 9540 6311</code>, SMS code 666666</p>"


def test_the_subscribe_api_is_served_at_api_with_its_faults(payme_sandbox):
    fake = payme_sandbox.subscribe_api = FakeSubscribeAPI(
        payme_sandbox.merchant_id, lambda: payme_sandbox.key, payme_sandbox.site
    )
    base = payme_sandbox.base_url

    answer = requests.post(
        f"{base}/api", data=b'{"method": "cards.create"}', headers={"X-Auth": "m"}, timeout=5
    )
    preflight = requests.options(f"{base}/api/", timeout=5)

    assert answer.json() == {"result": {"ok": True}}
    assert preflight.status_code == 204
    assert fake.calls[0] == ("POST", "/api", "m", b'{"method": "cards.create"}')
    assert fake.calls[1][:2] == ("OPTIONS", "/api/")
    assert fake.key_getter() == TEST_KEY
    assert "8600 0691 9540 6311" in requests.get(f"{base}/", timeout=5).text
    # Its faults join the switch; a shared name goes to both.
    set_fault(base, "card_expired")
    assert (fake.fault, payme_sandbox.fault) == ("card_expired", "")
    assert sandbox_state(base)["fault"] == "card_expired"
    set_fault(base, "slow")
    assert (fake.fault, payme_sandbox.fault) == ("slow", "slow")
    set_fault(base, "")
    assert (fake.fault, payme_sandbox.fault) == (None, "")


def test_without_the_subscribe_api_its_path_is_not_the_checkout(payme_sandbox):
    payme_sandbox.subscribe_api = None
    assert requests.post(f"{payme_sandbox.base_url}/api", data=b"{}", timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("method", "link", "form", "status"),
    [
        ("get", "not-base64!", None, 404),
        ("get", base64.b64encode(b"no pairs here").decode(), None, 404),
        ("get", base64.b64encode(b"m=5e730e8e0b852a417aa49ceb;a=100").decode(), None, 400),
        (
            "get",
            base64.b64encode(b"m=5e730e8e0b852a417aa49ceb;ac.order_id=X;a=-1").decode(),
            None,
            400,
        ),
        (
            "post",
            base64.b64encode(b"m=5e730e8e0b852a417aa49ceb;ac.order_id=X;a=1").decode(),
            {"action": "steal"},
            400,
        ),
    ],
)
def test_garbage_gets_an_error_page_and_sends_no_call(
    payme_sandbox, settings, method, link, form, status
):
    settings.PAYME_MERCHANT_ID = "5e730e8e0b852a417aa49ceb"
    payme_sandbox.merchant_id = "5e730e8e0b852a417aa49ceb"

    answer = requests.request(method, f"{payme_sandbox.base_url}/{link}", data=form, timeout=5)

    assert answer.status_code == status
    assert payme_sandbox.attempts_for() == []
