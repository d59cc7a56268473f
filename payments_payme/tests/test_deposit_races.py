"""Deposit races on PostgreSQL (CONTRACT 9): every change exactly once under row locks."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import deposit_flow, tasks
from auctions.models import Auction, Deposit, DepositEvent
from auctions.tests.factories import ActiveAuctionFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls):
    """Run each call in its own thread, released at one barrier; return their answers."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def worker(index):
        try:
            barrier.wait()
            answers[index] = calls[index]()
        except Exception as error:  # reported to the test, never swallowed
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def hold_call(user, auction, card):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        answer = client.post(
            f"/api/auctions/{auction.pk}/deposit/", {"card": card.pk}, format="json"
        )
        return answer.status_code, answer.json()["status"]

    return call


@pytest.fixture
def deposit_auction(seller):
    return ActiveAuctionFactory(seller=seller, listing__owner=seller, deposit=Decimal("1000000"))


def moved_to(deposit, status):
    return DepositEvent.objects.filter(deposit=deposit, to_status=status).exclude(
        from_status=status
    )


def test_two_bidders_hold_at_once(deposit_auction, card_of, subscribe):
    first, second = UserFactory(username="first"), UserFactory(username="second")
    cards = card_of(first), card_of(second)

    answers = run_together(
        [hold_call(first, deposit_auction, cards[0]), hold_call(second, deposit_auction, cards[1])]
    )

    assert answers == [(201, "held"), (201, "held")]
    assert Deposit.objects.filter(status="held").count() == 2
    for deposit in Deposit.objects.all():
        assert moved_to(deposit, "held").count() == 1


def test_one_bidder_holding_twice_at_once_holds_once(deposit_auction, bidder, card_of, subscribe):
    card = card_of(bidder)

    answers = run_together([hold_call(bidder, deposit_auction, card) for _ in range(4)])

    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert dict(answers)[201] == "held"
    # A repeat answers the one deposit as it stands: still processing, or held by then.
    assert {status for code, status in answers if code == 200} <= {"processing", "held"}
    assert Deposit.objects.count() == 1
    assert subscribe.calls["receipts.pay"] == 1


def held_deposit(auction, user, card_of):
    hold_call(user, auction, card_of(user))()
    return Deposit.objects.get(auction=auction, bidder=user)


def test_a_release_racing_an_admin_charge_happens_once(
    deposit_auction, bidder, card_of, subscribe, admin_user
):
    deposit = held_deposit(deposit_auction, bidder, card_of)

    def admin_charge():
        client = Client()
        client.force_login(admin_user)
        answer = client.post(
            "/admin/auctions/deposit/",
            {"action": "charge_deposits", "_selected_action": [deposit.pk]},
        )
        return "charge" if answer.status_code == 302 else answer.status_code

    def job_release():
        try:
            return deposit_flow.release(deposit.pk, cause="job:ended")
        except deposit_flow.DepositError as refusal:
            return refusal

    answers = run_together([admin_charge, job_release])

    assert answers[0] == "charge"  # the admin's request answered (no server error)
    # The job released it first, or found it charged: a charged deposit cannot be released.
    assert answers[1] == "released" or isinstance(answers[1], deposit_flow.DepositError)

    deposit.refresh_from_db()
    assert deposit.status in ("released", "charged")
    finals = DepositEvent.objects.filter(deposit=deposit, to_status__in=("released", "charged"))
    assert finals.count() == 1
    payme_calls = subscribe.calls.get("receipts.cancel", 0) + subscribe.calls.get(
        "receipts.confirm_hold", 0
    )
    assert payme_calls == 1
    expected_state = 50 if deposit.status == "released" else 4
    assert subscribe.receipts[deposit.provider_reference].state == expected_state


def test_the_job_run_twice_at_once_releases_each_deposit_once(deposit_auction, card_of, subscribe):
    bidders = [UserFactory(username=f"bidder{n}") for n in range(3)]
    deposits = [held_deposit(deposit_auction, user, card_of) for user in bidders]
    Auction.objects.filter(pk=deposit_auction.pk).update(
        end_time=timezone.now() - datetime.timedelta(seconds=1)
    )

    answers = run_together([tasks.advance_auctions, tasks.advance_auctions])

    assert sum(answer["ended"] for answer in answers) == 1
    assert sum(answer["deposits_released"] for answer in answers) == 3
    assert subscribe.calls["receipts.cancel"] == 3
    for deposit in deposits:
        deposit.refresh_from_db()
        assert deposit.status == "released"
        assert moved_to(deposit, "released").count() == 1


def test_a_perform_callback_racing_receipts_check_completes_once(
    seller, auction, card_of, subscribe
):
    from auctions.models import AuctionPayment, PaymentEvent
    from payments_payme import subscribe as subscribe_client
    from payments_payme.tests.payme_client import PaymeClient, now_ms

    card = card_of(seller)
    subscribe.set_fault("lost_pay")
    client = APIClient()
    client.force_authenticate(seller)
    body = client.post(
        f"/api/auctions/{auction.pk}/payments/",
        {"provider": "payme", "card": card.pk},
        format="json",
    ).json()
    assert body["status"] == "processing"
    subscribe.set_fault(None)
    payment = AuctionPayment.objects.get(merchant_trans_id=body["merchant_trans_id"])
    payme = PaymeClient(Client(enforce_csrf_checks=True))
    account = {"order_id": payment.merchant_trans_id}
    created = payme.call(
        "CreateTransaction",
        {"id": "d" * 24, "time": now_ms(), "amount": 5_000_000, "account": account},
    )
    assert created["result"]["state"] == 1

    def perform():
        return PaymeClient(Client(enforce_csrf_checks=True)).call(
            "PerformTransaction", {"id": "d" * 24}
        )

    answers = run_together([perform, lambda: subscribe_client.check_card_payment(payment)] * 2)

    assert [answers[0]["result"]["state"], answers[2]["result"]["state"]] == [2, 2]
    assert answers[1] == answers[3] == "completed"
    assert PaymentEvent.objects.filter(payment=payment, to_status="completed").count() == 1
