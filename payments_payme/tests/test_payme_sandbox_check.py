"""`payme_sandbox_check`: passes against our Merchant API, fails against a wrong one."""

import io
import json

import pytest
import requests
from django.core.management import call_command

from auctions.models import PaymentStatus as Status
from auctions.tests.fake_endpoint import FakeEndpoint, closed_port_url
from payments_payme.models import PaymeTransaction

from .conftest import TEST_KEY

pytestmark = pytest.mark.django_db(transaction=True)


def run_check(url, account_a, account_b, *, key=TEST_KEY, amount="5000000"):
    """(exit code, lines) of one run of the command."""
    out = io.StringIO()
    try:
        call_command(
            "payme_sandbox_check",
            url,
            "--key",
            key,
            "--account",
            f"order_id={account_a}",
            "--account",
            f"order_id={account_b}",
            "--amount",
            amount,
            stdout=out,
        )
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue().splitlines()


def steps(lines):
    return [line for line in lines if line.startswith(("PASS", "FAIL"))]


def test_every_step_passes_against_our_endpoint(live_server, payme_payment, other_payme_payment):
    code, lines = run_check(
        f"{live_server.url}/api/payments/payme/",
        payme_payment.merchant_trans_id,
        other_payme_payment.merchant_trans_id,
    )

    assert code == 0, "\n".join(lines)
    assert all(line.startswith("PASS") for line in steps(lines)), "\n".join(lines)
    # At least one line per row of PROVIDERS 2.6 ("10/5" is row 5 within row 10).
    rows = {row for line in steps(lines) for row in line.split()[1].split("/")}
    assert rows == {str(row) for row in range(1, 15)}
    payme_payment.refresh_from_db()
    other_payme_payment.refresh_from_db()
    assert payme_payment.status == Status.CANCELLED  # scenario 1
    assert other_payme_payment.status == Status.REFUNDED  # scenario 2
    assert other_payme_payment.auction.is_paid is False
    assert PaymeTransaction.objects.filter(payment=other_payme_payment).get().state == -2


def yes_to_everything(path, headers, body):
    """A shop that checks nothing and always agrees."""
    request = json.loads(body)
    answer = {"jsonrpc": "2.0", "id": request.get("id"), "result": {"allow": True, "state": 1}}
    return 200, "application/json", json.dumps(answer).encode()


def test_a_shop_that_checks_nothing_fails(payme_payment, other_payme_payment):
    with FakeEndpoint(yes_to_everything) as url:
        code, lines = run_check(url, "AUCTION_A", "AUCTION_B")

    assert code == 1
    assert any(line.startswith("FAIL 1 wrong key, CheckPerformTransaction") for line in lines)
    assert "expected error -32504; received {" in "\n".join(lines)
    assert lines[-1].endswith("FAILED")


def test_a_shop_that_answers_a_repeat_differently_fails(
    live_server, payme_payment, other_payme_payment
):
    """Right about everything but a repeated Create, which gets a fresh create_time."""
    ours = f"{live_server.url}/api/payments/payme/"
    seen = set()

    def forgetful(path, headers, body):
        answer = requests.post(
            ours, data=body, headers={"Authorization": headers["Authorization"]}, timeout=10
        ).json()
        request = json.loads(body)
        if request["method"] == "CreateTransaction" and "result" in answer:
            if request["params"]["id"] in seen:
                answer["result"]["create_time"] += 1
            seen.add(request["params"]["id"])
        return 200, "application/json", json.dumps(answer).encode()

    with FakeEndpoint(forgetful) as url:
        code, lines = run_check(
            url, payme_payment.merchant_trans_id, other_payme_payment.merchant_trans_id
        )

    assert code == 1
    failed = [line for line in steps(lines) if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in failed] == [
        f"FAIL 5 CreateTransaction {failed[0].split()[3]} (repeat)",
        f"FAIL 10/5 CreateTransaction {failed[1].split()[3]} (repeat)",
    ]


def test_an_unreachable_endpoint_fails():
    code, lines = run_check(closed_port_url() + "/api/payments/payme/", "AUCTION_A", "AUCTION_B")

    assert code == 1
    assert steps(lines)[-1].startswith("FAIL")
    assert "expected an HTTP answer; received none" in steps(lines)[-1]
