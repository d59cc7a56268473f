"""An auction whose end_time passed while it was unpaid can no longer be paid (CONTRACT 1)."""

import datetime

import pytest
from django.utils import timezone

from auctions import payment_flow
from auctions.models import Auction, AuctionPayment, PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def end_unpaid(auction: Auction) -> None:
    """Move the auction's times into the past, as the clock would, leaving it unpaid."""
    now = timezone.now()
    Auction.objects.filter(pk=auction.pk).update(
        start_time=now - datetime.timedelta(days=1), end_time=now - datetime.timedelta(seconds=1)
    )


@pytest.mark.parametrize("status", [Status.PENDING, Status.PROCESSING])
def test_completing_a_payment_of_an_ended_unpaid_auction_is_refused(auction, status):
    payment = PaymentFactory(auction=auction, status=status)
    end_unpaid(auction)

    with pytest.raises(payment_flow.AuctionEnded):
        payment_flow.complete_payment(payment.pk, cause="test")

    payment.refresh_from_db()
    auction.refresh_from_db()
    assert payment.status == status
    assert not auction.is_paid
    assert not PaymentEvent.objects.filter(payment=payment).exists()


@pytest.mark.parametrize("provider", ["click", "payme", "medogram"])
def test_starting_a_payment_after_the_end_is_409_even_with_an_open_payment(
    seller_api, auction, provider
):
    open_payment = PaymentFactory(auction=auction, provider=provider, status=Status.PROCESSING)
    end_unpaid(auction)

    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": provider}, format="json"
    )

    assert answer.status_code == 409, answer.content
    assert list(AuctionPayment.objects.filter(auction=auction)) == [open_payment]
