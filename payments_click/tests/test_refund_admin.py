"""Refunds from admin through Click's reversal (CONTRACT 11), driven over HTTP."""

import threading

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client

from auctions import payment_flow
from auctions.models import AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.admin_refunds import CHANGELIST, refund
from auctions.tests.factories import BidFactory, UserFactory
from payments_click.models import ClickMerchantCall


@pytest.fixture
def charged_twice(click, payment, make_payment):
    """A Click payment completed at Click for an auction another payment had paid."""
    prepared = click.prepare(payment)
    other = make_payment("payme")
    payment_flow.complete_payment(other.pk, cause="test")
    completed = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
    assert completed["error"] == -4  # PROVIDERS.md 1.7: flagged as needing a refund
    payment.refresh_from_db()
    assert (payment.status, payment.needs_refund) == (Status.PROCESSING, True)
    return payment


@pytest.mark.django_db
def test_the_confirmation_page_lists_the_payment(admin_client, charged_twice, click_merchant):
    answer = admin_client.post(
        CHANGELIST, {"action": "refund_through_provider", "_selected_action": [charged_twice.pk]}
    )

    assert answer.status_code == 200
    assert charged_twice.merchant_trans_id in answer.content.decode()
    assert click_merchant.api.reversals == []


@pytest.mark.django_db
def test_a_charge_that_did_not_pay_is_reversed_once_and_the_auction_stays_paid(
    admin_client, charged_twice, click_merchant
):
    entry = click_merchant.record(charged_twice, status="paid")

    first = refund(admin_client, charged_twice)
    second = refund(admin_client, charged_twice)

    charged_twice.refresh_from_db()
    charged_twice.auction.refresh_from_db()
    assert click_merchant.api.reversals == [entry["payment_id"]]
    assert entry["status"] == "reversed"
    assert ClickMerchantCall.objects.filter(call="reversal").count() == 1
    assert charged_twice.status == Status.REFUNDED
    assert charged_twice.auction.is_paid  # another payment paid it
    event = PaymentEvent.objects.get(payment=charged_twice, to_status=Status.REFUNDED)
    assert event.cause == "admin_refund"
    assert event.reference["payment_id"] == entry["payment_id"]
    assert "refunded" in first.content.decode()
    assert "already refunded" in second.content.decode()
    assert LogEntry.objects.filter(object_id=str(charged_twice.pk)).count() == 2
    page = admin_client.get(f"{CHANGELIST}{charged_twice.pk}/change/").content.decode()
    assert "Click Merchant API reversal" in page
    assert "admin_refund" in page


@pytest.mark.django_db
def test_a_completed_payment_is_reversed_and_its_auction_awaits_payment(
    admin_client, click, payment, click_merchant
):
    prepared = click.prepare(payment)
    assert click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)["error"] == 0
    click_merchant.record(payment, status="paid")

    refund(admin_client, payment)

    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.REFUNDED
    assert (payment.auction.is_paid, payment.auction.status) == (
        False,
        AuctionStatus.PENDING_PAYMENT,
    )


@pytest.mark.django_db
def test_a_completed_payment_of_an_auction_with_bids_is_not_reversed(
    admin_client, click, payment, click_merchant
):
    prepared = click.prepare(payment)
    assert click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)["error"] == 0
    click_merchant.record(payment, status="paid")
    BidFactory(auction=payment.auction, amount=payment.auction.starting_price)

    answer = refund(admin_client, payment)

    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert click_merchant.api.reversals == []
    assert "has bids" in answer.content.decode()


@pytest.mark.django_db
def test_a_refused_reversal_is_reported_and_changes_nothing(
    admin_client, charged_twice, click_merchant
):
    click_merchant.record(charged_twice, status="declined")

    answer = refund(admin_client, charged_twice)

    charged_twice.refresh_from_db()
    assert charged_twice.status == Status.PROCESSING
    assert "not paid" in answer.content.decode()


@pytest.mark.django_db
def test_an_unreachable_click_is_reported(admin_client, charged_twice, click_merchant, settings):
    settings.CLICK_MERCHANT_API_URL = "http://127.0.0.1:9/v2/merchant"

    answer = refund(admin_client, charged_twice)

    charged_twice.refresh_from_db()
    assert charged_twice.status == Status.PROCESSING
    assert "could not be asked" in answer.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refund_clicks_reverse_once(charged_twice, click_merchant):
    entry = click_merchant.record(charged_twice, status="paid")
    staff = UserFactory(username="operator", is_staff=True, is_superuser=True)
    barrier = threading.Barrier(4)
    answers = []

    def click_refund():
        browser = Client()
        browser.force_login(staff)
        barrier.wait()
        try:
            answers.append(refund(browser, charged_twice).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click_refund) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    charged_twice.refresh_from_db()
    assert answers == [200] * 4
    assert click_merchant.api.reversals == [entry["payment_id"]]
    assert charged_twice.status == Status.REFUNDED
    assert (
        PaymentEvent.objects.filter(payment=charged_twice, to_status=Status.REFUNDED).count() == 1
    )
