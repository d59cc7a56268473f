"""Row locks under real concurrency (PostgreSQL only: SQLite serialises everything)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from auctions import payment_flow
from auctions.models import Auction, Bid, PaymentEvent
from auctions.tests.factories import ActiveAuctionFactory, PaymentFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count, work):
    """Run work(i) in `count` threads released at the same moment; return the results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def runner(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_threads_completing_one_payment_complete_it_once():
    payment = PaymentFactory()

    results = run_together(
        20, lambda i: payment_flow.complete_payment(payment.pk, cause="test").status
    )

    assert results == ["completed"] * 20
    assert PaymentEvent.objects.filter(payment=payment, to_status="completed").count() == 1
    auction = Auction.objects.get(pk=payment.auction_id)
    assert auction.is_paid
    assert auction.paid_at == type(payment).objects.get(pk=payment.pk).completed_at


def test_two_payments_of_one_auction_racing_pay_it_once():
    first = PaymentFactory()
    second = PaymentFactory(auction=first.auction, provider="payme")
    payments = [first, second] * 5

    results = run_together(
        10, lambda i: payment_flow.complete_payment(payments[i].pk, cause="test").pk
    )

    refused = [r for r in results if isinstance(r, payment_flow.AlreadyPaid)]
    assert len(refused) == 5
    assert PaymentEvent.objects.filter(to_status="completed").count() == 1


def test_twenty_threads_bidding_the_same_amount_place_one_bid():
    auction = ActiveAuctionFactory(starting_price=Decimal("1000"), min_increment=Decimal("100"))
    bidders = [UserFactory(username=f"racer{i}") for i in range(20)]

    def place(index):
        client = APIClient()
        client.force_authenticate(bidders[index])
        return client.post(
            f"/api/auctions/{auction.pk}/bids/", {"amount": "1000"}, format="json"
        ).status_code

    results = run_together(20, place)

    assert sorted(results) == [201] + [400] * 19
    assert Bid.objects.filter(auction=auction).count() == 1
    auction.refresh_from_db()
    assert (auction.current_price, auction.bid_count) == (Decimal("1000"), 1)


def test_fifty_concurrent_bidders_keep_a_strictly_increasing_history():
    auction = ActiveAuctionFactory(starting_price=Decimal("1000"), min_increment=Decimal("1"))
    bidders = [UserFactory(username=f"climber{i}") for i in range(50)]

    def place(index):
        client = APIClient()
        client.force_authenticate(bidders[index])
        return client.post(
            f"/api/auctions/{auction.pk}/bids/", {"amount": str(1000 + index * 10)}, format="json"
        ).status_code

    results = run_together(50, place)

    amounts = list(
        Bid.objects.filter(auction=auction).order_by("id").values_list("amount", flat=True)
    )
    assert amounts == sorted(set(amounts))
    assert results.count(201) == len(amounts) > 0  # no accepted bid was lost
    assert set(results) <= {201, 400}
    auction.refresh_from_db()
    assert auction.current_price == amounts[-1]
    assert auction.bid_count == len(amounts)


def test_one_bidders_racing_first_bids_share_one_alias():
    # Each request reads the (missing) alias before the lock; the lock holder reads it again.
    auction = ActiveAuctionFactory(starting_price=Decimal("1000"), min_increment=Decimal("1"))
    bidder = UserFactory(username="eager")

    def place(index):
        client = APIClient()
        client.force_authenticate(bidder)
        return client.post(
            f"/api/auctions/{auction.pk}/bids/", {"amount": str(1000 + index * 10)}, format="json"
        ).status_code

    results = run_together(20, place)

    numbers = set(Bid.objects.filter(auction=auction).values_list("bidder_number", flat=True))
    assert results.count(201) >= 1
    assert numbers == {1}
    auction.refresh_from_db()
    assert auction.bidder_count == 1
    assert auction.bid_count == results.count(201)


def test_ending_an_auction_concurrently_ends_it_once():
    import datetime

    from django.utils import timezone

    from auctions import services

    auction = ActiveAuctionFactory()
    Bid.objects.create(auction=auction, bidder=UserFactory(username="w"), amount=Decimal("1"))
    Auction.objects.filter(pk=auction.pk).update(
        end_time=timezone.now() - datetime.timedelta(seconds=1),
        start_time=timezone.now() - datetime.timedelta(days=1),
    )

    results = run_together(10, lambda i: services.end_auction(auction.pk))

    assert sorted(results) == [False] * 9 + [True]


def test_stale_payment_expiry_racing_itself_cancels_once(settings):
    import datetime

    from django.utils import timezone

    from auctions import services
    from auctions.models import AuctionPayment

    settings.PAYMENT_PENDING_TTL = 1
    payment = PaymentFactory()
    AuctionPayment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    results = run_together(8, lambda i: services.expire_stale_payments())

    assert sum(results) == 1
    assert PaymentEvent.objects.filter(payment=payment, to_status="cancelled").count() == 1


def test_starting_an_auction_concurrently_starts_it_once():
    from auctions import services
    from auctions.models import AuctionStatus

    auction = ActiveAuctionFactory(status=AuctionStatus.SCHEDULED)

    results = run_together(10, lambda i: services.start_auction(auction.pk))

    assert sorted(results) == [False] * 9 + [True]
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE


def test_concurrent_sign_ups_of_one_name_make_one_account():
    from auctions.models import User

    names = ["racer", "Racer", "RACER", "racer"] * 2

    def register(index):
        return (
            APIClient()
            .post(
                "/api/auth/register/",
                {"username": names[index], "password": "Tashkent-2024"},
                format="json",
            )
            .status_code
        )

    results = run_together(8, register)

    assert sorted(results) == [201] + [400] * 7
    assert User.objects.filter(username__iexact="racer").count() == 1


def test_racing_auctions_for_one_listing_open_one():
    import datetime

    from django.utils import timezone

    from auctions.tests.factories import ListingFactory

    seller = UserFactory(username="racing_seller")
    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(hours=1)
    body = {
        "listing": listing.pk,
        "starting_price": "1000",
        "min_increment": "10",
        "start_time": start.isoformat(),
        "end_time": (start + datetime.timedelta(days=1)).isoformat(),
    }

    def create(index):
        client = APIClient()
        client.force_authenticate(seller)
        return client.post("/api/auctions/", body, format="json").status_code

    results = run_together(6, create)

    assert sorted(results) == [201] + [400] * 5
    assert Auction.objects.filter(listing=listing).count() == 1
