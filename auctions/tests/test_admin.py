"""Admin: payments are read-only; staff void a bid with a recorded reason."""

from decimal import Decimal

import pytest

from auctions.models import Auction, Bid
from auctions.tests.factories import ActiveAuctionFactory, BidFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_voiding_a_bid_keeps_it_and_recomputes_the_price(admin_client):
    auction = ActiveAuctionFactory(min_increment=Decimal("1"))
    low = BidFactory(auction=auction, amount=auction.starting_price)
    high = BidFactory(auction=auction, amount=auction.starting_price + 5)
    Auction.objects.filter(pk=auction.pk).update(
        current_price=high.amount, bid_count=2, leader=high.bidder
    )

    answer = admin_client.post(
        "/admin/auctions/bid/",
        {"action": "void_bids", "_selected_action": [high.pk], "reason": "shill", "apply": "1"},
    )

    assert answer.status_code == 302
    high.refresh_from_db()
    auction.refresh_from_db()
    assert (high.void_reason, high.voided_by.is_superuser) == ("shill", True)
    assert (auction.current_price, auction.bid_count, auction.leader) == (
        low.amount,
        1,
        low.bidder,
    )
    assert Bid.objects.count() == 2


def test_voiding_needs_a_reason(admin_client):
    bid = BidFactory()

    page = admin_client.post(
        "/admin/auctions/bid/",
        {"action": "void_bids", "_selected_action": [bid.pk], "reason": " ", "apply": "1"},
    )

    assert page.status_code == 200
    bid.refresh_from_db()
    assert bid.voided_at is None


def test_payment_admin_is_read_only(admin_client):
    payment = PaymentFactory()

    page = admin_client.get(f"/admin/auctions/auctionpayment/{payment.pk}/change/")
    listing = admin_client.get("/admin/auctions/auctionpayment/", {"q": payment.merchant_trans_id})

    assert page.status_code == 200
    assert b'name="amount"' not in page.content
    assert b'name="status"' not in page.content
    assert payment.merchant_trans_id.encode() in listing.content
    assert admin_client.get("/admin/auctions/auctionpayment/add/").status_code == 403


def test_staff_sees_every_payment_through_the_api(api):
    payment = PaymentFactory()
    staff = UserFactory(username="ops", is_staff=True)
    api.force_authenticate(staff)

    assert api.get(f"/api/payments/{payment.merchant_trans_id}/").status_code == 200


def test_lists_page_only_when_asked(api):
    for _ in range(3):
        ActiveAuctionFactory()

    whole = api.get("/api/auctions/").json()
    page = api.get("/api/auctions/", {"limit": 2}).json()

    assert isinstance(whole, list)
    assert len(whole) == 3
    assert (page["count"], len(page["results"])) == (3, 2)


@pytest.mark.parametrize("query", [{"limit": 10**30}, {"offset": 10**30}, {"limit": -1}])
def test_absurd_paging_numbers_are_not_server_errors(api, query):
    ActiveAuctionFactory()

    assert api.get("/api/auctions/", query).status_code == 200


# CONTRACT 7: money, status, time and party fields are read-only; search by seller.


def test_an_auctions_prices_status_times_and_parties_cannot_be_edited(admin_client):
    auction = ActiveAuctionFactory()
    fields = [field.name for field in Auction._meta.fields if field.name != "updated_at"]
    before = Auction.objects.values(*fields).get(pk=auction.pk)
    stranger = UserFactory(username="stranger")
    forged = {
        "listing": auction.listing_id,
        "seller": stranger.pk,
        "starting_price": "1.00",
        "min_increment": "1.00",
        "reserve_price": "2.00",
        "start_time_0": "2030-01-01",
        "start_time_1": "00:00:00",
        "end_time_0": "2030-01-02",
        "end_time_1": "00:00:00",
        "status": "ended",
        "is_paid": "",
        "current_price": "5.00",
        "bid_count": "99",
        "bidder_count": "99",
        "leader": stranger.pk,
        "winner": stranger.pk,
        "final_price": "5.00",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
    }

    page = admin_client.get(f"/admin/auctions/auction/{auction.pk}/change/")
    admin_client.post(f"/admin/auctions/auction/{auction.pk}/change/", forged)

    assert page.status_code == 200
    assert b'name="starting_price"' not in page.content
    assert b'name="status"' not in page.content
    assert Auction.objects.values(*fields).get(pk=auction.pk) == before


def test_bids_and_auctions_are_not_added_or_deleted_in_admin(admin_client):
    bid = BidFactory()

    assert admin_client.get("/admin/auctions/bid/add/").status_code == 403
    assert admin_client.get("/admin/auctions/auction/add/").status_code == 403
    assert admin_client.get(f"/admin/auctions/bid/{bid.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/auctions/auction/{bid.auction_id}/delete/").status_code == 403


def test_voiding_a_bid_writes_an_audit_row(admin_client):
    from django.contrib.admin.models import LogEntry

    bid = BidFactory()

    admin_client.post(
        "/admin/auctions/bid/",
        {"action": "void_bids", "_selected_action": [bid.pk], "reason": "shill", "apply": "1"},
    )

    entry = LogEntry.objects.get(object_id=str(bid.pk))
    assert entry.user.is_superuser
    assert "shill" in entry.get_change_message()


@pytest.mark.parametrize("query", ["seller", "+998901234567"])
def test_payments_are_found_by_the_sellers_username_and_phone(admin_client, make_payment, query):
    payment = make_payment("click")
    PaymentFactory()  # another seller's

    page = admin_client.get("/admin/auctions/auctionpayment/", {"q": query})

    assert page.status_code == 200
    assert payment.merchant_trans_id in page.content.decode()
    assert page.context["cl"].result_count == 1


def test_payments_are_found_by_a_provider_id(admin_client, make_payment):
    from payments_payme.models import PaymeTransaction

    payment = make_payment("payme")
    PaymeTransaction.objects.create(
        payme_id="63f1a0c2e4b0d1a2b3c4d5e1",
        payment=payment,
        amount=5000000,
        time=1,
        create_time=1,
        state=1,
    )

    page = admin_client.get("/admin/auctions/auctionpayment/", {"q": "63f1a0c2e4b0d1a2b3c4d5e1"})

    assert page.context["cl"].result_count == 1
