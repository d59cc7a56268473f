"""The AuctionPayment state machine: the only code that changes a payment's status.

Every transition runs inside a transaction with the payment row locked, is a no-op when
repeated, raises and changes nothing on an illegal move, and appends one PaymentEvent.
Given an id, it opens its own atomic() (a savepoint inside the caller's transaction) and
locks the row. Given a payment from lock_payment() in the caller's still-open transaction,
it runs in that transaction: the lock is already held, and every refusal is raised before
the first write, so no savepoint (two queries on a callback's hot path) is needed.
Lock order: AuctionPayment, provider row, Auction.

    pending -> processing
    pending | processing -> completed | failed | cancelled
    completed -> refunded (only while the auction has no bids and has not ended)
"""

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from . import compiled
from .models import (
    OPEN_PAYMENT_STATUSES,
    Auction,
    AuctionPayment,
    AuctionStatus,
    Bid,
    PaymentEvent,
)
from .models import PaymentStatus as Status

logger = logging.getLogger("payments")


class PaymentFlowError(Exception):
    """A refused transition; nothing was changed."""


class IllegalTransition(PaymentFlowError):
    def __init__(self, from_status: str, to_status: str):
        super().__init__(f"a {from_status} payment cannot become {to_status}")
        self.from_status, self.to_status = from_status, to_status


class AlreadyPaid(PaymentFlowError):
    def __init__(self, auction_id: int):
        super().__init__(f"auction {auction_id} is already paid")
        self.auction_id = auction_id


class AuctionCancelled(PaymentFlowError):
    def __init__(self, auction_id: int):
        super().__init__(f"auction {auction_id} is cancelled")
        self.auction_id = auction_id


class AuctionEnded(PaymentFlowError):
    """The auction's end_time passed while it was unpaid: its fee would buy nothing."""

    def __init__(self, auction_id: int):
        super().__init__(f"auction {auction_id} ended unpaid")
        self.auction_id = auction_id


class RefundRefused(PaymentFlowError):
    def __init__(self, reason: str):
        super().__init__(f"refund refused: {reason}")
        self.reason = reason


def lock_payment(*, with_auction: bool = False, **lookup) -> AuctionPayment:
    """Lock one payment row (and read its auction) in the caller's transaction.

    Raises AuctionPayment.DoesNotExist. The transitions below accept the returned object
    and then skip their own lock query. with_auction=True locks the auction row in the
    same query, for a caller about to complete or refund (which lock it anyway): nothing
    locks an auction before a payment, so taking both at once cannot deadlock.
    """
    payment = _lock_query(with_auction, lookup).get(**lookup)
    # The lock lasts as long as the outermost atomic block it was taken in.
    payment._locked_in = transaction.get_connection().atomic_blocks[0]
    payment._auction_locked = with_auction
    return payment


_LOCK_QUERIES: dict[tuple, compiled.CompiledQuery] = {}


def _lock_query(with_auction: bool, lookup: dict) -> compiled.CompiledQuery:
    """lock_payment's query for these look-up names, compiled once (auctions/compiled.py)."""
    types = tuple(sorted((name, type(value)) for name, value in lookup.items()))
    key = (with_auction, types)
    query = _LOCK_QUERIES.get(key)
    if query is None:
        of = ("self", "auction") if with_auction else ("self",)
        query = _LOCK_QUERIES[key] = compiled.CompiledQuery(
            lambda **values: AuctionPayment.objects.select_for_update(of=of)
            .select_related("auction")
            .order_by()
            .filter(**values),
            **dict(types),
        )
    return query


def _holds_lock(payment: AuctionPayment | int) -> bool:
    """Whether `payment` came from lock_payment() in the transaction still open now."""
    blocks = transaction.get_connection().atomic_blocks
    return (
        isinstance(payment, AuctionPayment)
        and bool(blocks)
        and getattr(payment, "_locked_in", None) is blocks[0]
    )


def _locked(payment: AuctionPayment | int) -> AuctionPayment:
    if _holds_lock(payment):
        return payment
    payment_id = payment.pk if isinstance(payment, AuctionPayment) else payment
    return lock_payment(pk=payment_id)


def _lock_auction(payment: AuctionPayment) -> Auction:
    if getattr(payment, "_auction_locked", False) and _holds_lock(payment):
        return payment.auction
    auction = Auction.objects.select_for_update().get(pk=payment.auction_id)
    payment.auction = auction
    return auction


def _move(
    payment: AuctionPayment, to_status: str, *, cause: str, reference: dict | None, at
) -> None:
    from_status = payment.status
    payment.status = to_status
    stamp = {
        Status.COMPLETED: "completed_at",
        Status.FAILED: "failed_at",
        Status.CANCELLED: "cancelled_at",
        Status.REFUNDED: "refunded_at",
    }.get(to_status)
    fields = ["status", "updated_at"]
    if stamp:
        setattr(payment, stamp, at)
        fields.append(stamp)
    compiled.update(payment, fields)
    compiled.insert(
        PaymentEvent,
        payment=payment,
        from_status=from_status,
        to_status=to_status,
        cause=cause,
        reference=reference or {},
        created_at=at,
    )


def _transition(
    payment: AuctionPayment | int,
    to_status: str,
    *,
    allowed_from: tuple[str, ...],
    cause: str,
    reference: dict | None,
    before: Callable[[AuctionPayment], None] | None = None,
    after: Callable[[AuctionPayment], None] | None = None,
) -> AuctionPayment:
    def apply(payment: AuctionPayment) -> AuctionPayment:
        if payment.status == to_status:
            return payment  # a repeated callback: no second effect
        if payment.status not in allowed_from:
            raise IllegalTransition(payment.status, to_status)
        if before:
            before(payment)  # refuses (raises) before anything is written
        _move(payment, to_status, cause=cause, reference=reference, at=timezone.now())
        if after:
            after(payment)
        return payment

    if _holds_lock(payment):
        return apply(payment)
    with transaction.atomic():
        return apply(_locked(payment))


def mark_processing(
    payment: AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """pending -> processing; a processing payment stays as it is."""
    return _transition(
        payment,
        Status.PROCESSING,
        allowed_from=(Status.PENDING,),
        cause=cause,
        reference=reference,
    )


def complete_payment(
    payment: AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """Complete the payment and mark its auction paid, exactly once (CONTRACT 1).

    Raises AlreadyPaid, changing nothing, when another payment has paid the auction, and
    AuctionEnded when the auction's end_time passed while it was unpaid (CONTRACT 1).
    """

    def refuse_if_paid(locked: AuctionPayment) -> None:
        auction = _lock_auction(locked)
        if auction.is_paid:
            raise AlreadyPaid(auction.pk)
        if auction.status == AuctionStatus.CANCELLED:
            raise AuctionCancelled(auction.pk)
        if auction.end_time <= timezone.now():
            raise AuctionEnded(auction.pk)

    def mark_auction_paid(locked: AuctionPayment) -> None:
        locked.auction.mark_paid(at=locked.completed_at)
        _notify_fee_paid(locked.pk)

    return _transition(
        payment,
        Status.COMPLETED,
        allowed_from=OPEN_PAYMENT_STATUSES,
        cause=cause,
        reference=reference,
        before=refuse_if_paid,
        after=mark_auction_paid,
    )


def _notify_fee_paid(payment_id: int) -> None:
    from .services import notify

    notify("fee_paid", payment_id)  # the seller's "fee paid" email, from the outbox


def fail_payment(
    payment: AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """pending|processing -> failed: the provider reported the payment failed."""
    return _transition(
        payment,
        Status.FAILED,
        allowed_from=OPEN_PAYMENT_STATUSES,
        cause=cause,
        reference=reference,
    )


def cancel_payment(
    payment: AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """pending|processing -> cancelled: withdrawn before any money moved."""
    return _transition(
        payment,
        Status.CANCELLED,
        allowed_from=OPEN_PAYMENT_STATUSES,
        cause=cause,
        reference=reference,
    )


def refund_payment(
    payment: AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """completed -> refunded, and the auction back to pending_payment (CONTRACT 1).

    Refused with RefundRefused while the auction has bids or has ended.
    """

    def check_refund_rule(locked: AuctionPayment) -> None:
        auction = _lock_auction(locked)
        if (
            auction.status
            in (
                AuctionStatus.ENDED,
                AuctionStatus.CANCELLED,
            )
            or auction.end_time <= timezone.now()
        ):
            raise RefundRefused("the auction has ended")
        if Bid.objects.filter(auction_id=auction.pk, voided_at__isnull=True).exists():
            raise RefundRefused("the auction has bids")

    def mark_auction_unpaid(locked: AuctionPayment) -> None:
        locked.auction.mark_unpaid()

    return _transition(
        payment,
        Status.REFUNDED,
        allowed_from=(Status.COMPLETED,),
        cause=cause,
        reference=reference,
        before=check_refund_rule,
        after=mark_auction_unpaid,
    )


def flag_needs_refund(payment: AuctionPayment | int, *, cause: str, note: str) -> AuctionPayment:
    """Record that the payer was charged for an auction another payment already paid."""
    with transaction.atomic(savepoint=not _holds_lock(payment)):
        payment = _locked(payment)
        if not payment.needs_refund:
            payment.needs_refund = True
            payment.note = (payment.note + "\n" + note).strip()
            payment.save(update_fields=["needs_refund", "note", "updated_at"])
            logger.error(
                "payment charged twice merchant_trans_id=%s cause=%s needs_refund=1",
                payment.merchant_trans_id,
                cause,
            )
        return payment


def refund_charge(
    payment: AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """A charge flagged needs_refund, which did not pay the auction -> refunded.

    The auction stays as it is (CONTRACT 11): another payment paid it, or it was closed.
    """

    def require_flag(locked: AuctionPayment) -> None:
        if not locked.needs_refund:
            raise IllegalTransition(locked.status, Status.REFUNDED)

    return _transition(
        payment,
        Status.REFUNDED,
        allowed_from=(*OPEN_PAYMENT_STATUSES, Status.FAILED, Status.CANCELLED),
        cause=cause,
        reference=reference,
        before=require_flag,
    )
