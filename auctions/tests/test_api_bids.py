"""Bidding rules over the API (CONTRACT 2): who, when, how much, idempotency, aliases."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auctions.models import Bid
from auctions.tests.factories import ActiveAuctionFactory, AuctionFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def bid(user, auction, amount, **headers):
    return client_for(user).post(
        f"/api/auctions/{auction.pk}/bids/", {"amount": str(amount)}, format="json", **headers
    )


@pytest.fixture
def live(seller):
    return ActiveAuctionFactory(
        seller=seller,
        listing__owner=seller,
        starting_price=Decimal("1000"),
        min_increment=Decimal("100"),
    )


def test_first_bid_at_the_starting_price_is_accepted(live, bidder):
    answer = bid(bidder, live, "1000")

    assert answer.status_code == 201
    assert answer.json()["amount"] == "1000.00"
    assert answer.json()["is_mine"] is True
    live.refresh_from_db()
    assert (live.current_price, live.bid_count) == (Decimal("1000"), 1)


def test_below_the_starting_price_is_refused(live, bidder):
    answer = bid(bidder, live, "999.99")

    assert answer.status_code == 400
    assert "1000" in answer.json()["detail"]
    assert not Bid.objects.exists()


def test_next_bid_needs_the_minimum_increment(live, bidder):
    other = UserFactory(username="other")
    bid(bidder, live, "1000")

    too_low = bid(other, live, "1099")
    enough = bid(other, live, "1100")

    assert (too_low.status_code, enough.status_code) == (400, 201)


def test_the_leader_may_raise_their_own_bid(live, bidder):
    bid(bidder, live, "1000")

    assert bid(bidder, live, "1500").status_code == 201


def test_the_seller_cannot_bid(live, seller):
    answer = bid(seller, live, "5000")

    assert answer.status_code == 400
    assert "seller" in answer.json()["detail"].lower()


def test_no_bids_before_start_or_after_end_or_on_unpaid(bidder):
    upcoming = ActiveAuctionFactory(start_time=timezone.now() + datetime.timedelta(hours=1))
    ended = ActiveAuctionFactory()
    ended.end_time = timezone.now() - datetime.timedelta(seconds=1)
    ended.start_time = ended.end_time - datetime.timedelta(days=1)
    ended.save()
    unpaid = AuctionFactory(start_time=timezone.now() - datetime.timedelta(minutes=1))

    for auction in (upcoming, ended):
        answer = bid(bidder, auction, auction.starting_price)
        assert answer.status_code == 400
        assert "not active" in answer.json()["detail"]
    assert bid(bidder, unpaid, unpaid.starting_price).status_code == 404
    assert not Bid.objects.exists()


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "NaN", "Infinity", "", "12.345"])
def test_malformed_amounts_are_400(live, bidder, amount):
    assert bid(bidder, live, amount).status_code == 400


def test_bidding_needs_authentication(live):
    answer = APIClient().post(f"/api/auctions/{live.pk}/bids/", {"amount": "1000"})

    assert answer.status_code == 401


def test_idempotency_key_places_one_bid(live, bidder):
    first = bid(bidder, live, "1000", HTTP_IDEMPOTENCY_KEY="tap-1")
    again = bid(bidder, live, "1000", HTTP_IDEMPOTENCY_KEY="tap-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Bid.objects.count() == 1


def test_idempotency_key_is_per_user(live, bidder):
    other = UserFactory(username="other")
    bid(bidder, live, "1000", HTTP_IDEMPOTENCY_KEY="same")

    answer = bid(other, live, "1100", HTTP_IDEMPOTENCY_KEY="same")

    assert answer.status_code == 201
    assert Bid.objects.count() == 2


def test_soft_close_extends_a_bid_in_the_last_minutes(live, bidder, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 5
    live.end_time = timezone.now() + datetime.timedelta(minutes=2)
    live.save()

    before = timezone.now()
    bid(bidder, live, "1000")

    live.refresh_from_db()
    assert live.end_time >= before + datetime.timedelta(minutes=5)


def test_history_is_highest_first_with_stable_aliases(live):
    bidder = UserFactory(username="zafar_first")
    second = UserFactory(username="malika_second")
    bid(bidder, live, "1000")
    bid(second, live, "1100")
    bid(bidder, live, "1200")

    history = client_for(second).get(f"/api/auctions/{live.pk}/bids/").json()

    assert [b["amount"] for b in history] == ["1200.00", "1100.00", "1000.00"]
    assert [b["bidder"] for b in history] == ["Bidder 1", "Bidder 2", "Bidder 1"]
    assert [b["is_mine"] for b in history] == [False, True, False]
    assert bidder.username not in str(history)
    assert second.username not in str(history)


def test_history_is_readable_by_anyone(live, bidder):
    bid(bidder, live, "1000")

    answer = APIClient().get(f"/api/auctions/{live.pk}/bids/")

    assert answer.status_code == 200
    assert answer.json()[0]["is_mine"] is False


def test_a_bid_costs_few_queries(live, bidder, django_assert_max_num_queries):
    bid(bidder, live, "1000")
    other = UserFactory(username="other")

    # The bidder's alias (none yet), SAVEPOINT, auction lock, the alias again under the lock,
    # INSERT bid, UPDATE auction, the outbox row, RELEASE (no savepoint in production).
    with django_assert_max_num_queries(8):
        answer = bid(other, live, "1100")
    # A known bidder's alias is read before the lock only: one query fewer.
    with django_assert_max_num_queries(7):
        again = bid(other, live, "1200")

    assert answer.status_code == 201
    assert answer.json()["bidder"] == "Bidder 2"
    assert again.status_code == 201
    assert again.json()["bidder"] == "Bidder 2"
    live.refresh_from_db()
    assert (live.leader, live.bidder_count, live.bid_count) == (other, 2, 3)


# Amounts: digits only, AUCTION_MAX_BID_FACTOR, storable (CONTRACT 2).


@pytest.mark.parametrize("amount", ["1e10", "1E3", "+1000", " 1000", "1000.001", "NaN", "0x3e8"])
def test_an_amount_that_is_not_plain_digits_is_refused(live, bidder, amount):
    answer = bid(bidder, live, amount)

    assert answer.status_code == 400, answer.content
    assert "amount" in answer.json()
    assert not Bid.objects.exists()


def test_a_json_float_is_refused_and_a_json_integer_is_read(live, bidder):
    url = f"/api/auctions/{live.pk}/bids/"

    as_float = client_for(bidder).post(url, {"amount": 1000.5}, format="json")
    as_integer = client_for(bidder).post(url, {"amount": 1000}, format="json")

    assert as_float.status_code == 400
    assert as_integer.status_code == 201
    assert Bid.objects.get().amount == Decimal("1000")


def test_a_bid_above_the_factor_times_the_minimum_is_refused(live, bidder, settings):
    settings.AUCTION_MAX_BID_FACTOR = 10

    too_high = bid(bidder, live, "10000.01")
    highest = bid(bidder, live, "10000")

    assert too_high.status_code == 400
    assert "10000" in too_high.json()["detail"]
    assert highest.status_code == 201


def test_the_largest_allowed_bid_leaves_the_next_minimum_storable(seller, bidder):
    # A starting price near the column's limit: factor x minimum would not fit.
    auction = ActiveAuctionFactory(
        seller=seller,
        listing__owner=seller,
        starting_price=Decimal("900000000000.00"),
        min_increment=Decimal("1000.00"),
    )

    refused = bid(bidder, auction, "999999999999.99")
    accepted = bid(bidder, auction, "999999998999.99")

    assert refused.status_code == 400
    assert accepted.status_code == 201
    auction.refresh_from_db()
    assert auction.next_minimum_bid() == Decimal("999999999999.99")  # fits the column
    # Bidding it would leave no storable minimum after it: a readable 400, never a 500.
    follow_up = bid(UserFactory(username="other"), auction, "999999999999.99")
    assert follow_up.status_code == 400
    assert "cannot go any higher" in follow_up.json()["detail"]


def test_an_auction_whose_first_bid_leaves_no_storable_next_minimum_is_refused(seller_api, seller):
    from auctions.tests.factories import ListingFactory

    listing = ListingFactory(owner=seller)
    start = timezone.now() + datetime.timedelta(hours=1)
    answer = seller_api.post(
        "/api/auctions/",
        {
            "listing": listing.pk,
            "starting_price": "999999999999.99",
            "min_increment": "0.01",
            "start_time": start.isoformat(),
            "end_time": (start + datetime.timedelta(days=1)).isoformat(),
        },
        format="json",
    )

    assert answer.status_code == 400
    assert "starting_price" in answer.json()
