"""Refunds from admin (CONTRACT 11): through the provider, exactly once, with an audit row.

The payment row is locked for the whole refund, the provider's call included, so a second
click waits and then finds the payment refunded. The provider's hook only gives the money
back (or says what to do by hand); the payment moves here, through payment_flow.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from . import payment_flow, providers
from .models import Auction, AuctionPayment, AuctionStatus, Bid
from .models import PaymentStatus as Status

logger = logging.getLogger("payments")


@dataclass(frozen=True)
class RefundResult:
    refunded: bool  # the money went back (or an operator recorded giving it back by hand)
    message: str
    reference: dict = field(default_factory=dict)


def refusal(payment: AuctionPayment, auction: Auction | None = None) -> str | None:
    """Why this payment cannot be refunded from admin, or None when it can."""
    if payment.status == Status.REFUNDED:
        return "already refunded"
    if payment.needs_refund and payment.status != Status.COMPLETED:
        return None  # charged for an auction it did not pay: the auction is not touched
    if payment.status != Status.COMPLETED:
        return f"a {payment.status} payment took no money"
    auction = auction or payment.auction
    if auction.status in (AuctionStatus.ENDED, AuctionStatus.CANCELLED) or (
        auction.end_time <= timezone.now()
    ):
        return "its auction has ended (CONTRACT 1 refund rule)"
    if Bid.objects.filter(auction_id=auction.pk, voided_at__isnull=True).exists():
        return "its auction has bids (CONTRACT 1 refund rule)"
    return None


def refund(payment_id: int, *, by: str, note: str = "") -> tuple[bool, str]:
    """Refund one payment through its provider; (refunded now, message). Exactly once."""
    with transaction.atomic():
        payment = AuctionPayment.objects.select_for_update().get(pk=payment_id)
        if payment.status == Status.COMPLETED:
            # The refund rule reads the auction: no bid may slip in while the provider is
            # asked. A flagged charge leaves its auction alone, so bidding goes on.
            auction = Auction.objects.select_for_update().get(pk=payment.auction_id)
        else:
            auction = Auction.objects.get(pk=payment.auction_id)
        why_not = refusal(payment, auction)
        if why_not:
            return False, f"{payment.merchant_trans_id}: not refunded: {why_not}"
        provider = providers.get(payment.provider)
        if provider is None or provider.refund is None:
            return False, f"{payment.merchant_trans_id}: {payment.provider} has no refund"
        result = provider.refund(payment, note=note)
        logger.info(
            "refund merchant_trans_id=%s provider=%s by=%s refunded=%s",
            payment.merchant_trans_id,
            payment.provider,
            by,
            int(result.refunded),
        )
        if not result.refunded:
            return False, f"{payment.merchant_trans_id}: {result.message}"
        reference = result.reference | {"by": by, "message": result.message}
        if note:
            reference["note"] = note
        if payment.status == Status.COMPLETED:
            # This payment paid the auction: CONTRACT 1's refund rule, checked above.
            payment_flow.refund_payment(payment.pk, cause="admin_refund", reference=reference)
        else:
            payment_flow.refund_charge(payment.pk, cause="admin_refund", reference=reference)
        return True, f"{payment.merchant_trans_id}: refunded: {result.message}"
