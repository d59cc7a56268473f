"""Bidder deposits held on saved cards (CONTRACT 9), driven over the API and the job."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import deposit_flow, notifications, tasks
from auctions.models import Auction, Deposit, DepositEvent, Notification
from auctions.tests.factories import ActiveAuctionFactory, AuctionFactory, UserFactory

pytestmark = pytest.mark.django_db

DEPOSIT = Decimal("1000000")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def deposit_auction(seller):
    return ActiveAuctionFactory(seller=seller, listing__owner=seller, deposit=DEPOSIT)


def hold(user, auction, card):
    return api_for(user).post(
        f"/api/auctions/{auction.pk}/deposit/", {"card": card.pk}, format="json"
    )


def bid(user, auction, amount):
    return api_for(user).post(
        f"/api/auctions/{auction.pk}/bids/", {"amount": amount}, format="json"
    )


def end_now(auction):
    Auction.objects.filter(pk=auction.pk).update(
        end_time=timezone.now() - datetime.timedelta(seconds=1)
    )


def events(deposit, to_status):
    return DepositEvent.objects.filter(deposit=deposit, to_status=to_status).exclude(
        from_status=to_status
    )


def test_hold_then_bid(bidder, deposit_auction, card_of, subscribe):
    card = card_of(bidder)

    refused = bid(bidder, deposit_auction, "500000000")
    held = hold(bidder, deposit_auction, card)
    placed = bid(bidder, deposit_auction, "500000000")

    assert refused.status_code == 400 and "deposit" in refused.json()["detail"]
    assert held.status_code == 201
    assert held.json()["status"] == "held" and held.json()["amount"] == "1000000.00"
    assert placed.status_code == 201
    deposit = Deposit.objects.get()
    receipt = subscribe.receipts[deposit.provider_reference]
    assert (receipt.state, receipt.hold, receipt.amount) == (5, True, 100_000_000)
    assert receipt.account == {"order_id": deposit.account}
    assert deposit.account.startswith("DEPOSIT_") and len(deposit.account) == 28
    assert events(deposit, "held").count() == 1
    assert Notification.objects.filter(event="deposit_held", arguments=[deposit.pk]).count() == 1
    event = events(deposit, "held").get()
    with pytest.raises(ValueError, match="deposit events are append-only"):
        event.save()
    with pytest.raises(ValueError, match="deposit events are append-only"):
        event.delete()


def test_a_repeat_answers_the_existing_deposit(bidder, deposit_auction, card_of, subscribe):
    card = card_of(bidder)

    first, second = hold(bidder, deposit_auction, card), hold(bidder, deposit_auction, card)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert Deposit.objects.count() == 1 and subscribe.calls["receipts.pay"] == 1
    got = api_for(bidder).get(f"/api/auctions/{deposit_auction.pk}/deposit/")
    assert got.status_code == 200 and got.json()["status"] == "held"


def test_a_failed_deposit_may_be_tried_again(bidder, deposit_auction, card_of, subscribe):
    card = card_of(bidder)
    subscribe.set_fault("insufficient_funds")

    failed = hold(bidder, deposit_auction, card)
    subscribe.set_fault(None)
    again = hold(bidder, deposit_auction, card)

    assert failed.status_code == 201
    assert failed.json()["status"] == "failed"
    assert failed.json()["failure_reason"] == "Insufficient funds on the card"
    assert again.status_code == 201 and again.json()["status"] == "held"
    assert bid(bidder, deposit_auction, "500000000").status_code == 201


def test_refusals(seller, bidder, card_of, subscribe, deposit_auction):
    card = card_of(bidder)
    no_deposit = ActiveAuctionFactory(seller=seller, listing__owner=seller)
    ended = ActiveAuctionFactory(seller=seller, listing__owner=seller, deposit=DEPOSIT)
    end_now(ended)
    seller_card = card_of(seller)

    assert hold(bidder, no_deposit, card).status_code == 400
    assert hold(bidder, ended, card).status_code == 400
    assert hold(seller, deposit_auction, seller_card).status_code == 400
    assert hold(bidder, deposit_auction, seller_card).status_code == 404
    assert api_for(bidder).get(f"/api/auctions/{deposit_auction.pk}/deposit/").status_code == 404
    assert not Deposit.objects.exists()


def test_a_scheduled_auction_takes_deposits(seller, bidder, card_of, subscribe):
    scheduled = AuctionFactory(
        seller=seller, listing__owner=seller, deposit=DEPOSIT, is_paid=True, status="scheduled"
    )

    assert hold(bidder, scheduled, card_of(bidder)).json()["status"] == "held"


def test_a_lost_hold_answer_is_settled_by_the_job(bidder, deposit_auction, card_of, subscribe):
    card = card_of(bidder)
    subscribe.set_fault("lost_pay")

    answer = hold(bidder, deposit_auction, card)

    assert answer.json()["status"] == "processing"
    assert bid(bidder, deposit_auction, "500000000").status_code == 400
    subscribe.set_fault(None)
    assert tasks.advance_auctions()["deposits_settled"] == 1
    assert tasks.advance_auctions()["deposits_settled"] == 0
    deposit = Deposit.objects.get()
    assert deposit.status == "held" and events(deposit, "held").count() == 1


def test_the_end_releases_losers_and_keeps_the_winners(
    bidder, deposit_auction, card_of, subscribe, capsys
):
    loser = UserFactory(username="loser")
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    assert hold(loser, deposit_auction, card_of(loser)).json()["status"] == "held"
    assert bid(loser, deposit_auction, "500000000").status_code == 201
    assert bid(bidder, deposit_auction, "501000000").status_code == 201
    end_now(deposit_auction)

    call_command("advance_auctions")
    call_command("advance_auctions")

    printed = capsys.readouterr().out
    assert "ended: 1" in printed and "deposits_released: 1" in printed
    winner = Deposit.objects.get(bidder=bidder)
    lost = Deposit.objects.get(bidder=loser)
    assert (winner.status, lost.status) == ("held", "released")
    assert events(lost, "released").count() == 1
    assert subscribe.receipts[lost.provider_reference].state == 50
    assert subscribe.calls["receipts.cancel"] == 1
    assert Notification.objects.filter(event="deposit_released", arguments=[lost.pk]).exists()


def test_an_unsold_auction_releases_every_deposit(bidder, seller, card_of, subscribe):
    auction = ActiveAuctionFactory(
        seller=seller, listing__owner=seller, deposit=DEPOSIT, reserve_price=Decimal("9e8")
    )
    assert hold(bidder, auction, card_of(bidder)).json()["status"] == "held"
    assert bid(bidder, auction, "500000000").status_code == 201
    end_now(auction)

    assert tasks.advance_auctions()["deposits_released"] == 1

    assert Deposit.objects.get().status == "released"


def test_a_release_payme_does_not_confirm_stays_held_and_is_retried(
    bidder, deposit_auction, card_of, subscribe
):
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    end_now(deposit_auction)  # no bid: it ends unsold
    subscribe.set_fault("cancel_fails")

    first = tasks.advance_auctions()
    second = tasks.advance_auctions()

    deposit = Deposit.objects.get()
    assert (first["deposits_released"], second["deposits_retried"]) == (0, 0)
    assert deposit.status == "held" and deposit.pending_action == "release"
    assert deposit.attempts == 2 and "Payme refused" in deposit.pending_note
    subscribe.set_fault(None)
    assert tasks.advance_auctions()["deposits_retried"] == 1
    deposit.refresh_from_db()
    assert deposit.status == "released" and deposit.pending_action == ""
    assert events(deposit, "released").count() == 1
    assert DepositEvent.objects.filter(deposit=deposit, action="release").count() == 2


def test_admin_charges_the_winners_deposit_once(
    bidder, deposit_auction, card_of, subscribe, admin_client
):
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    assert bid(bidder, deposit_auction, "500000000").status_code == 201
    end_now(deposit_auction)
    tasks.advance_auctions()
    deposit = Deposit.objects.get()
    assert deposit.status == "held"  # the winner's waits for an admin, saying so
    assert deposit.pending_note == deposit_flow.WINNER_NOTE

    for _ in range(2):
        page = admin_client.post(
            "/admin/auctions/deposit/",
            {"action": "charge_deposits", "_selected_action": [deposit.pk]},
            follow=True,
        )
        assert page.status_code == 200

    deposit.refresh_from_db()
    assert deposit.status == "charged"
    assert events(deposit, "charged").count() == 1
    assert subscribe.calls["receipts.confirm_hold"] == 1
    assert subscribe.receipts[deposit.provider_reference].state == 4
    refused = admin_client.post(
        "/admin/auctions/deposit/",
        {"action": "release_deposits", "_selected_action": [deposit.pk]},
        follow=True,
    )
    assert "cannot be released" in refused.content.decode()
    assert Deposit.objects.get().status == "charged"


def test_admin_release_of_the_winners_deposit(
    bidder, deposit_auction, card_of, subscribe, admin_client
):
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    deposit = Deposit.objects.get()

    admin_client.post(
        "/admin/auctions/deposit/",
        {"action": "release_deposits", "_selected_action": [deposit.pk]},
    )

    deposit.refresh_from_db()
    assert deposit.status == "released"
    assert events(deposit, "released").get().cause == "admin:admin"
    page = admin_client.get(f"/admin/auctions/deposit/{deposit.pk}/change/")
    assert page.status_code == 200 and deposit.account in page.content.decode()


def test_a_pending_capture_refuses_a_release(bidder, deposit_auction, card_of, subscribe):
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    deposit = Deposit.objects.get()
    subscribe.set_fault("capture_fails")

    assert deposit_flow.charge(deposit.pk, cause="admin:a") == "pending"
    with pytest.raises(deposit_flow.DepositError):
        deposit_flow.release(deposit.pk, cause="admin:b")
    subscribe.set_fault(None)
    assert tasks.advance_auctions()["deposits_retried"] == 1
    assert Deposit.objects.get().status == "charged"


def test_an_old_hold_payme_dropped_is_released(
    bidder, deposit_auction, card_of, subscribe, settings
):
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    deposit = Deposit.objects.get()
    Deposit.objects.filter(pk=deposit.pk).update(
        held_at=timezone.now() - datetime.timedelta(days=settings.AUCTION_DEPOSIT_MAX_DAYS + 1)
    )
    subscribe.receipts[deposit.provider_reference].state = 50  # the bank dropped the hold

    assert tasks.advance_auctions()["deposits_old_holds_checked"] == 1
    assert tasks.advance_auctions()["deposits_old_holds_checked"] == 0  # not re-asked at once

    assert Deposit.objects.get().status == "released"


def test_a_deposit_auction_must_end_within_the_max_days(seller_api, seller, settings):
    from auctions.tests.factories import ListingFactory

    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(hours=1)
    body = {
        "listing": listing.pk,
        "starting_price": "1000",
        "min_increment": "10",
        "start_time": start.isoformat(),
        "deposit": "5000",
    }

    too_long = seller_api.post(
        "/api/auctions/",
        {**body, "end_time": (start + datetime.timedelta(days=25)).isoformat()},
        format="json",
    )
    fits = seller_api.post(
        "/api/auctions/",
        {**body, "end_time": (start + datetime.timedelta(days=24)).isoformat()},
        format="json",
    )

    assert too_long.status_code == 400 and "25 days" in str(too_long.json()["deposit"])
    assert fits.status_code == 201 and fits.json()["deposit"] == "5000.00"


def test_an_auction_without_a_deposit_says_0(seller_api, auction):
    assert seller_api.get(f"/api/auctions/{auction.pk}/").json()["deposit"] == "0.00"


def test_the_notifications_reach_the_bidder(
    bidder, deposit_auction, card_of, subscribe, mailoutbox
):
    bidder.email = "bidder@example.uz"
    bidder.save()
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    deposit_flow.release(Deposit.objects.get().pk, cause="admin:x")
    notifications.deliver_outbox()  # what the worker's job does (after commit, in tests)

    subjects = [mail.subject for mail in mailoutbox]
    assert "kvartirabar: Your deposit is held" in subjects
    assert "kvartirabar: Your deposit is released" in subjects


@pytest.mark.parametrize("body", [{}, {"card": "x"}, {"card": -1}, {"card": 10**30}])
def test_bad_deposit_bodies_are_400(bidder, deposit_auction, body):
    answer = api_for(bidder).post(
        f"/api/auctions/{deposit_auction.pk}/deposit/", body, format="json"
    )

    assert answer.status_code == 400
    assert not Deposit.objects.exists()


def test_admin_shows_a_pending_release(bidder, deposit_auction, card_of, subscribe, admin_client):
    assert hold(bidder, deposit_auction, card_of(bidder)).json()["status"] == "held"
    deposit = Deposit.objects.get()
    subscribe.set_fault("cancel_fails")
    assert deposit_flow.release(deposit.pk, cause="admin:x") == "pending"

    listing = admin_client.get("/admin/auctions/deposit/?pending_action=release")
    detail = admin_client.get(f"/admin/auctions/deposit/{deposit.pk}/change/").content.decode()

    assert deposit.account in listing.content.decode()
    assert "Payme refused" in detail  # the record of why it is still held
