"""`click_check`: passes against our Prepare/Complete, fails against a wrong shop."""

import io
import json
from urllib.parse import parse_qsl

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from auctions.models import PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.fake_endpoint import FakeEndpoint, closed_port_url

from .signed_client import SECRET, SERVICE_ID

pytestmark = pytest.mark.django_db(transaction=True)


def run_check(url, *orders, amount="50000", secret=SECRET):
    """(exit code, lines) of one run of the command."""
    out = io.StringIO()
    arguments = [url, "--service-id", SERVICE_ID, "--secret-key", secret, "--amount", amount]
    for order in orders:
        arguments += ["--merchant-trans-id", order]
    try:
        call_command("click_check", *arguments, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue().splitlines()


def steps(lines):
    return [line for line in lines if line.startswith(("PASS", "FAIL"))]


@pytest.mark.parametrize("base", ["/api/payments/click/", "/api/auctions/click/"])
def test_every_step_passes_against_our_endpoints(live_server, make_payment, base):
    from auctions.tests.factories import AuctionFactory

    first = make_payment("click")
    second = make_payment("click", auction=AuctionFactory())

    code, lines = run_check(
        f"{live_server.url}{base}prepare/", first.merchant_trans_id, second.merchant_trans_id
    )

    assert code == 0, "\n".join(lines)
    assert all(line.startswith("PASS") for line in steps(lines)), "\n".join(lines)
    numbers = [line.split()[1] for line in steps(lines)]
    assert sorted(set(numbers), key=int) == [str(number) for number in range(1, 13)]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.auction.is_paid) == (Status.COMPLETED, True)
    assert PaymentEvent.objects.filter(payment=first, to_status=Status.COMPLETED).count() == 1
    assert (second.status, second.auction.is_paid) == (Status.FAILED, False)


def test_one_order_runs_the_nine_steps(live_server, make_payment):
    payment = make_payment("click")

    code, lines = run_check(
        f"{live_server.url}/api/payments/click/prepare/",
        payment.merchant_trans_id,
        amount="50000.00",
    )

    assert code == 0, "\n".join(lines)
    assert [line.split()[1] for line in steps(lines)] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "6",
        "7",
        "8",
        "9",
    ]
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED


def always_success(path, headers, body):
    """A shop that checks nothing: every callback succeeds."""
    fields = dict(parse_qsl(body.decode()))
    answer = {
        "click_trans_id": int(fields.get("click_trans_id") or 0),
        "merchant_trans_id": fields.get("merchant_trans_id"),
        "merchant_prepare_id": 1,
        "error": 0,
        "error_note": "Success",
    }
    return 200, "application/json", json.dumps(answer).encode()


def test_a_shop_that_checks_nothing_fails():
    with FakeEndpoint(always_success) as url:
        code, lines = run_check(f"{url}/click/prepare", "AUCTION_A", "AUCTION_B")

    assert code == 1
    assert steps(lines)[0] == ("FAIL 1 bad sign: expected error -1; received error 0 (Success)")
    assert lines[-1].endswith("FAILED")


def test_a_shop_answering_0_to_a_repeated_complete_fails(live_server, make_payment):
    """Right about everything except a repeated Complete (some libraries answer 0 there)."""
    import requests

    completes = []

    def lenient(path, headers, body):
        target = f"{live_server.url}/api/payments/click/{path.rsplit('/', 1)[-1]}/"
        answer = requests.post(
            target, data=body, headers={"Content-Type": headers["Content-Type"]}, timeout=10
        ).json()
        if path.endswith("complete"):
            completes.append(answer)
            if answer["error"] == -4:
                answer = {**answer, "error": 0, "error_note": "Success"}
        return 200, "application/json", json.dumps(answer).encode()

    payment = make_payment("click")
    with FakeEndpoint(lenient) as url:
        code, lines = run_check(f"{url}/prepare", payment.merchant_trans_id)

    assert code == 1
    failed = [line for line in steps(lines) if line.startswith("FAIL")]
    assert failed == ["FAIL 9 Complete repeated: expected error -4; received error 0 (Success)"]


def test_an_unreachable_endpoint_fails():
    code, lines = run_check(closed_port_url() + "/prepare/", "AUCTION_A")

    assert code == 1
    assert steps(lines) == [steps(lines)[0]]
    assert steps(lines)[0].startswith("FAIL http://127.0.0.1:")
    assert "expected an HTTP answer; received none" in steps(lines)[0]


def test_a_url_without_prepare_is_refused():
    with pytest.raises(CommandError, match="prepare"):
        run_check("http://127.0.0.1:1/click/", "AUCTION_A")
