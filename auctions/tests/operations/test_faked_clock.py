"""The site's clock is the web process's (CONTRACT 8): served by `runserver --noreload`
under libfaketime with the wall clock moved, over the database a real-clock gunicorn wrote,
it judges auction times, Payme's 12-hour timeout and PAYMENT_PENDING_TTL by the moved
clock."""

import base64
import datetime
import time

import pytest
import requests

from auctions.tests.operations.server import (
    database_url,
    faked_runserver,
    faketime_library,
    gunicorn,
)

KEY = "faked-clock-payme-KEY"
ENVIRONMENT = {
    "PAYME_MERCHANT_ID": "faked-clock-merchant",
    "PAYME_KEY": KEY,
    "CLICK_SERVICE_ID": "12345",
    "CLICK_MERCHANT_ID": "678",
    "CLICK_SECRET_KEY": "faked-clock-click-secret",
    "PAYMENT_PENDING_TTL": "3600",
}
PAYME = {"Authorization": "Basic " + base64.b64encode(f"Paycom:{KEY}".encode()).decode()}
FEE_TIYIN = 5_000_000


def payme(base: str, method: str, params: dict) -> dict:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    answer = requests.post(f"{base}/api/payments/payme/", json=body, headers=PAYME, timeout=30)
    assert answer.status_code == 200
    return answer.json()


def seller(base: str) -> dict:
    user = {"username": "faked-clock-seller", "password": "Qovun-Sayli-2026"}
    assert requests.post(f"{base}/api/auth/register/", json=user, timeout=30).status_code == 201
    token = requests.post(f"{base}/api/auth/token/", json=user, timeout=30).json()["token"]
    return {"Authorization": f"Token {token}"}


def order(base: str, auth: dict, provider: str = "payme", hours: int = 2) -> tuple[int, str]:
    """A new auction starting in five minutes and ending in `hours`, and a payment for it
    with `provider`: (auction id, order id)."""
    listing = requests.post(
        f"{base}/api/listings/",
        json={"title": "Flat", "description": "2", "address": "Tashkent", "rooms": 2, "area": "54"},
        headers=auth,
        timeout=30,
    )
    now = datetime.datetime.now(datetime.UTC)
    auction = requests.post(
        f"{base}/api/auctions/",
        json={
            "listing": listing.json()["id"],
            "starting_price": "400000000",
            "min_increment": "1000000",
            "start_time": (now + datetime.timedelta(minutes=5)).isoformat(),
            "end_time": (now + datetime.timedelta(hours=hours)).isoformat(),
        },
        headers=auth,
        timeout=30,
    ).json()
    payment = requests.post(
        f"{base}/api/auctions/{auction['id']}/payments/",
        json={"provider": provider},
        headers=auth,
        timeout=30,
    )
    return auction["id"], payment.json()["merchant_trans_id"]


def create(base: str, order: str, payme_id: str) -> None:
    params = {
        "id": payme_id,
        "time": int(time.time() * 1000),
        "amount": FEE_TIYIN,
        "account": {"order_id": order},
    }
    created = payme(base, "CreateTransaction", params)
    assert created["result"]["state"] == 1, created


@pytest.mark.django_db(transaction=True)
def test_a_server_with_its_clock_13_hours_ahead_judges_times_by_its_own_clock(settings, tmp_path):
    # given: on the real clock, auction `paid` (paid through Payme) and auction `waiting`
    # (a waiting Payme transaction), both ending in two hours, and auction `later` (ending
    # in two days) with a pending Click payment; pending payments expire after an hour
    if faketime_library() is None:
        pytest.skip("libfaketime is not installed (.ci/run installs Debian's libfaketime)")
    environment = {**ENVIRONMENT, "DATABASE_URL": database_url(settings, tmp_path)}
    with gunicorn(environment) as (base, _):
        auth = seller(base)
        paid, paid_order = order(base, auth)
        create(base, paid_order, "fakedclock-paid-00000001")
        assert payme(base, "PerformTransaction", {"id": "fakedclock-paid-00000001"})["result"]
        waiting, waiting_order = order(base, auth)
        create(base, waiting_order, "fakedclock-wait-00000001")
        later, click_order = order(base, auth, "click", hours=48)
        before = requests.get(f"{base}/api/auctions/{paid}/", headers=auth, timeout=30).json()

    # when: the same database served by a process whose wall clock is 13 hours ahead
    with faked_runserver(environment, "+13h") as faked:
        ended = requests.get(f"{faked}/api/auctions/{paid}/", headers=auth, timeout=30).json()
        checked = payme(faked, "CheckTransaction", {"id": "fakedclock-wait-00000001"})
        payment = requests.get(f"{faked}/api/payments/{waiting_order}/", headers=auth, timeout=30)
        started = requests.post(
            f"{faked}/api/auctions/{waiting}/payments/",
            json={"provider": "payme"},
            headers=auth,
            timeout=30,
        )
        check_perform = payme(
            faked,
            "CheckPerformTransaction",
            {"amount": FEE_TIYIN, "account": {"order_id": waiting_order}},
        )
        click_again = requests.post(
            f"{faked}/api/auctions/{later}/payments/",
            json={"provider": "click"},
            headers=auth,
            timeout=30,
        )
        stale = requests.get(f"{faked}/api/payments/{click_order}/", headers=auth, timeout=30)

    # then: the paid auction has ended by the moved clock; past Payme's 12-hour timeout the
    # waiting transaction is cancelled with reason 4 and its payment too, and the unpaid
    # auction, its end passed, takes no payment
    assert (before["status"], ended["status"]) == ("scheduled", "ended")
    assert (checked["result"]["state"], checked["result"]["reason"]) == (-1, 4), checked
    assert payment.json()["status"] == "cancelled"
    assert started.status_code == 409
    assert check_perform["error"]["code"] == -31099, check_perform
    # and the Click payment, pending for longer than an hour by that clock, made way for a
    # new one instead of being handed back
    assert click_again.status_code == 201, click_again.content
    assert click_again.json()["merchant_trans_id"] != click_order
    assert stale.json()["status"] == "cancelled"
