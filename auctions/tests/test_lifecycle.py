"""The auction lifecycle: start, end, soft close, reserve, stale payments; exactly once."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from auctions import services, tasks
from auctions.models import AuctionStatus, Notification, PaymentEvent, PaymentStatus
from auctions.tests.factories import (
    ActiveAuctionFactory,
    AuctionFactory,
    BidFactory,
    PaymentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def ended_ago(auction, seconds=1):
    auction.end_time = timezone.now() - datetime.timedelta(seconds=seconds)
    auction.start_time = auction.end_time - datetime.timedelta(days=1)
    auction.save()
    return auction


def test_scheduled_becomes_active_at_start_time_once():
    auction = ActiveAuctionFactory(status=AuctionStatus.SCHEDULED)

    first = tasks.advance_auctions()
    second = tasks.advance_auctions()

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert (first["started"], second["started"]) == (1, 0)


def test_upcoming_and_unpaid_auctions_are_left_alone():
    upcoming = ActiveAuctionFactory(
        status=AuctionStatus.SCHEDULED, start_time=timezone.now() + datetime.timedelta(hours=1)
    )
    unpaid = ended_ago(AuctionFactory())

    assert set(tasks.advance_auctions().values()) == {0}  # nothing started, ended or retried
    upcoming.refresh_from_db()
    unpaid.refresh_from_db()
    assert (upcoming.status, unpaid.status) == (
        AuctionStatus.SCHEDULED,
        AuctionStatus.PENDING_PAYMENT,
    )


def test_end_picks_the_highest_bid_as_winner_once():
    auction = ActiveAuctionFactory()
    low, high = UserFactory(username="low"), UserFactory(username="high")
    BidFactory(auction=auction, bidder=low, amount=auction.starting_price)
    BidFactory(auction=auction, bidder=high, amount=auction.starting_price + 10)
    ended_ago(auction)

    assert services.end_auction(auction.pk) is True
    assert services.end_auction(auction.pk) is False

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ENDED
    assert (auction.winner, auction.final_price) == (high, auction.starting_price + 10)


def test_reserve_not_met_ends_unsold():
    auction = ActiveAuctionFactory(reserve_price=Decimal("900000000"))
    BidFactory(auction=auction, amount=auction.starting_price)
    ended_ago(auction)

    tasks.advance_auctions()

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ENDED
    assert (auction.winner, auction.final_price) == (None, None)


def test_an_auction_extended_by_a_late_bid_is_not_ended_early(settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 5
    auction = ActiveAuctionFactory()
    auction.end_time = timezone.now() + datetime.timedelta(seconds=1)
    auction.save()
    bidder = UserFactory(username="last_second")

    services.place_bid(auction_id=auction.pk, bidder=bidder, amount=auction.starting_price)

    assert services.end_auction(auction.pk) is False
    auction.refresh_from_db()
    assert auction.end_time > timezone.now() + datetime.timedelta(minutes=4)
    assert auction.current_status() == AuctionStatus.ACTIVE


def test_a_bid_outside_the_window_does_not_extend(settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 5
    auction = ActiveAuctionFactory()
    end = auction.end_time

    services.place_bid(
        auction_id=auction.pk, bidder=UserFactory(username="early"), amount=auction.starting_price
    )

    auction.refresh_from_db()
    assert auction.end_time == end


def test_stale_pending_payments_are_cancelled_once(settings):
    settings.PAYMENT_PENDING_TTL = 60
    stale = PaymentFactory()
    fresh = PaymentFactory()
    processing = PaymentFactory(status=PaymentStatus.PROCESSING)
    old = timezone.now() - datetime.timedelta(minutes=5)
    type(stale).objects.filter(pk__in=[stale.pk, processing.pk]).update(created_at=old)

    assert tasks.expire_stale_payments() == 1
    assert tasks.expire_stale_payments() == 0

    stale.refresh_from_db()
    fresh.refresh_from_db()
    processing.refresh_from_db()
    assert (stale.status, fresh.status, processing.status) == (
        "cancelled",
        "pending",
        "processing",
    )
    assert PaymentEvent.objects.filter(payment=stale, to_status="cancelled").count() == 1


def test_end_notifies_winner_loser_and_seller_in_their_language(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seller = UserFactory(username="s", email="s@example.uz", language="ru")
    auction = ActiveAuctionFactory(seller=seller, listing__owner=seller)
    winner = UserFactory(username="w", email="w@example.uz", language="en")
    loser = UserFactory(username="l", email="l@example.uz", language="uz")
    BidFactory(auction=auction, bidder=loser, amount=auction.starting_price)
    BidFactory(auction=auction, bidder=winner, amount=auction.starting_price + 1)
    ended_ago(auction)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.end_auction(auction.pk)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"s@example.uz", "w@example.uz", "l@example.uz"}
    assert "You won" in by_address["w@example.uz"].subject
    assert by_address["w@example.uz"].body.count("UZS") == 1


def test_bid_notifies_leader_and_outbid(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    auction = ActiveAuctionFactory(min_increment=Decimal("1"))
    first = UserFactory(username="first", email="first@example.uz")
    second = UserFactory(username="second", email="second@example.uz")
    services.place_bid(auction_id=auction.pk, bidder=first, amount=auction.starting_price)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.place_bid(auction_id=auction.pk, bidder=second, amount=auction.starting_price + 1)

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert "outbid" in subjects["first@example.uz"]
    assert "highest bidder" in subjects["second@example.uz"]


def test_a_bid_succeeds_when_the_broker_is_down_and_its_news_waits_in_the_outbox(
    settings, celery_broker, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: a worker delivers
    celery_broker("redis://127.0.0.1:1/0")  # nothing listens there
    auction = ActiveAuctionFactory()
    bidder = UserFactory(username="offline", email="offline@example.uz")
    started = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        bid, created = services.place_bid(
            auction_id=auction.pk, bidder=bidder, amount=auction.starting_price
        )

    assert created
    assert (timezone.now() - started).total_seconds() < 1
    assert Notification.objects.get().event == "bid_placed"
    assert mail.outbox == []

    assert tasks.deliver_notifications() == 1  # the worker's beat job, once it runs

    assert [message.to for message in mail.outbox] == [["offline@example.uz"]]
    assert Notification.objects.get().sent_at is not None
    assert tasks.deliver_notifications() == 0


def test_a_failing_event_is_retried_and_then_left_alone(settings):
    from auctions.notifications import MAX_ATTEMPTS

    settings.CELERY_TASK_ALWAYS_EAGER = False
    Notification.objects.create(event="fee_paid", arguments=[987654])  # no such payment

    for _ in range(MAX_ATTEMPTS + 2):
        tasks.deliver_notifications()

    failed = Notification.objects.get()
    assert (failed.sent_at, failed.attempts) == (None, MAX_ATTEMPTS)
    assert "DoesNotExist" in failed.last_error
