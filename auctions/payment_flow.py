"""The AuctionPayment state machine: the only code that changes a payment's status.

Every transition runs inside a transaction with the payment row locked, is a no-op when
repeated, raises and changes nothing on an illegal move, and appends one PaymentEvent.
Given an id (or a plain AuctionPayment), it opens its own atomic() (a savepoint inside the
caller's transaction) and locks the row. Given the LockedPayment that lock_payment() made
inside a payment_flow.atomic() block that is still open, it runs in the caller's
transaction: the lock is certainly held, and every refusal is raised before the first
write, so no savepoint (two queries on a callback's hot path) is needed. The proof of the
lock is that value, never Django's transaction internals: a block, once exited, voids it.
Lock order: AuctionPayment, provider row, Auction.

    pending -> processing
    pending | processing -> completed | failed | cancelled
    completed -> refunded (only while the auction has no bids and has not ended)
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from . import queries
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


class LockTimeout(PaymentFlowError):
    """A row lock was not granted within CALLBACK_LOCK_TIMEOUT seconds; nothing changed."""

    def __init__(self):
        super().__init__("a row lock was not granted in time; nothing changed, try again")


class LockedPayment:
    """A payment row lock_payment() locked; valid while its payment_flow.atomic() block is open.

    Only lock_payment() makes one. Given one whose block is still open, a transition runs in
    the caller's transaction without locking again; given one whose block has exited (its
    transaction committed or rolled back, so its lock may be gone), or one locked outside
    any payment_flow.atomic() block, the transition locks and reads the row again.
    """

    __slots__ = ("payment", "auction_locked", "_scope")

    def __init__(self, *args, **kwargs):
        raise TypeError("only payment_flow.lock_payment() makes a LockedPayment")

    @classmethod
    def _make(cls, payment: AuctionPayment, scope, auction_locked: bool) -> "LockedPayment":
        locked = object.__new__(cls)
        locked.payment, locked.auction_locked, locked._scope = payment, auction_locked, scope
        return locked

    @property
    def held(self) -> bool:
        """Whether the lock is certainly still held: its payment_flow.atomic() block is open."""
        return self._scope is not None and self._scope.open

    def __repr__(self) -> str:
        return f"<LockedPayment {self.payment.pk} held={self.held}>"


class _Scope:
    __slots__ = ("open",)

    def __init__(self):
        self.open = True


# The payment_flow.atomic() blocks open in this thread (or task), innermost last.
_scopes: ContextVar[tuple[_Scope, ...]] = ContextVar("payment_flow_scopes", default=())


@contextmanager
def atomic(*, savepoint: bool = True) -> Iterator[None]:
    """transaction.atomic(savepoint=...) whose exit voids the LockedPayments made in it.

    Row locks last until the transaction (or the savepoint they were taken in) ends, so a
    LockedPayment is trusted only inside the block it was locked in: call lock_payment()
    directly in this block, not inside a nested plain transaction.atomic() that may roll
    back on its own. Usable as a decorator; each call opens a new block.
    """
    scope = _Scope()
    token = _scopes.set((*_scopes.get(), scope))
    try:
        with transaction.atomic(savepoint=savepoint):
            yield
    finally:
        scope.open = False
        _scopes.reset(token)


# PostgreSQL's SQLSTATEs for lock_timeout and statement_timeout.
_TIMED_OUT = {"55P03", "57014"}


def commit_then_refuse(work: Callable, *args, refusal: type[Exception]):
    """Run work(*args) in one payment_flow.atomic() block; a `refusal` it raises is raised
    after the block commits, so what `work` wrote before refusing is kept.

    For callbacks, which must answer in time and never hang on a lock: on PostgreSQL the
    transaction waits at most CALLBACK_LOCK_TIMEOUT seconds for a row lock (`SET LOCAL`
    through set_config(), so it ends with the transaction and holds behind PgBouncer in
    transaction mode); a lock not granted in time rolls everything back and raises
    LockTimeout, which providers answer with their retryable error. Any other exception
    rolls back too. savepoint=False: in production this block is the outermost one, so a
    savepoint would only cost two round trips, and only an unexpected failure leaves it.
    """
    refused = None
    try:
        with atomic(savepoint=False):
            _limit_lock_wait()
            try:
                return work(*args)
            except refusal as error:
                refused = error
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) not in _TIMED_OUT:
            raise
        logger.warning(
            "lock timeout after %ss in %s: rolled back",
            settings.CALLBACK_LOCK_TIMEOUT,
            getattr(work, "__qualname__", "callback"),
        )
        raise LockTimeout() from error
    raise refused


def _limit_lock_wait() -> None:
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return  # SQLite takes its one write lock at BEGIN, bounded by its busy timeout
    milliseconds = max(1, int(settings.CALLBACK_LOCK_TIMEOUT * 1000))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])


def lock_payment(*, with_auction: bool = False, **lookup) -> LockedPayment:
    """Lock one payment row (and read its auction) in the caller's transaction.

    Looks the payment up by pk, or by merchant_trans_id (and provider), in one written-out
    statement (auctions/queries.py). Raises AuctionPayment.DoesNotExist; outside a
    transaction, Django's TransactionManagementError. The transitions below accept the
    result and, while the payment_flow.atomic() block it was made in is open, skip their own
    lock query. with_auction=True locks the auction row in the same query, for a caller
    about to complete or refund (which lock it anyway): nothing locks an auction before a
    payment, so taking both at once cannot deadlock.
    """
    if transaction.get_autocommit():
        # As Django's select_for_update(): a lock outside a transaction would lock nothing.
        raise transaction.TransactionManagementError(
            "lock_payment() cannot be used outside of a transaction."
        )
    payment = queries.lock_payment(with_auction=with_auction, **lookup)
    if payment is None:
        raise AuctionPayment.DoesNotExist("AuctionPayment matching query does not exist.")
    scopes = _scopes.get()
    return LockedPayment._make(payment, scopes[-1] if scopes else None, with_auction)


def _holds_lock(payment: LockedPayment | AuctionPayment | int) -> bool:
    """Whether `payment` is a LockedPayment whose block is still open."""
    return isinstance(payment, LockedPayment) and payment.held


def _payment_id(payment: LockedPayment | AuctionPayment | int) -> int:
    if isinstance(payment, LockedPayment):
        return payment.payment.pk
    return payment.pk if isinstance(payment, AuctionPayment) else payment


def _lock_auction(locked: LockedPayment) -> Auction:
    payment = locked.payment
    if locked.auction_locked:
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
    queries.update(payment, fields)
    queries.insert(
        PaymentEvent(
            payment=payment,
            from_status=from_status,
            to_status=to_status,
            cause=cause,
            reference=reference or {},
            created_at=at,
        )
    )


def _transition(
    payment: LockedPayment | AuctionPayment | int,
    to_status: str,
    *,
    allowed_from: tuple[str, ...],
    cause: str,
    reference: dict | None,
    before: Callable[[AuctionPayment], None] | None = None,
    after: Callable[[AuctionPayment], None] | None = None,
) -> AuctionPayment:
    def apply(locked: LockedPayment) -> AuctionPayment:
        payment = locked.payment
        if payment.status == to_status:
            return payment  # a repeated callback: no second effect
        if payment.status not in allowed_from:
            raise IllegalTransition(payment.status, to_status)
        if before:
            before(locked)  # refuses (raises) before anything is written
        _move(payment, to_status, cause=cause, reference=reference, at=timezone.now())
        if after:
            after(locked)
        return payment

    if _holds_lock(payment):
        return apply(payment)
    with atomic():
        return apply(lock_payment(pk=_payment_id(payment)))


def mark_processing(
    payment: LockedPayment | AuctionPayment | int, *, cause: str, reference: dict | None = None
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
    payment: LockedPayment | AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """Complete the payment and mark its auction paid, exactly once (CONTRACT 1).

    Raises AlreadyPaid, changing nothing, when another payment has paid the auction, and
    AuctionEnded when the auction's end_time passed while it was unpaid (CONTRACT 1).
    """

    def refuse_if_paid(locked: LockedPayment) -> None:
        auction = _lock_auction(locked)
        if auction.is_paid:
            raise AlreadyPaid(auction.pk)
        if auction.status == AuctionStatus.CANCELLED:
            raise AuctionCancelled(auction.pk)
        if auction.end_time <= timezone.now():
            raise AuctionEnded(auction.pk)

    def mark_auction_paid(locked: LockedPayment) -> None:
        payment = locked.payment
        payment.auction.mark_paid(at=payment.completed_at)
        _notify_fee_paid(payment.pk)

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
    payment: LockedPayment | AuctionPayment | int, *, cause: str, reference: dict | None = None
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
    payment: LockedPayment | AuctionPayment | int, *, cause: str, reference: dict | None = None
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
    payment: LockedPayment | AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """completed -> refunded, and the auction back to pending_payment (CONTRACT 1).

    Refused with RefundRefused while the auction has bids or has ended.
    """

    def check_refund_rule(locked: LockedPayment) -> None:
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

    def mark_auction_unpaid(locked: LockedPayment) -> None:
        locked.payment.auction.mark_unpaid()

    return _transition(
        payment,
        Status.REFUNDED,
        allowed_from=(Status.COMPLETED,),
        cause=cause,
        reference=reference,
        before=check_refund_rule,
        after=mark_auction_unpaid,
    )


def flag_needs_refund(
    payment: LockedPayment | AuctionPayment | int, *, cause: str, note: str
) -> AuctionPayment:
    """Record that the payer was charged for an auction another payment already paid."""
    if not _holds_lock(payment):
        with atomic():
            return flag_needs_refund(lock_payment(pk=_payment_id(payment)), cause=cause, note=note)
    payment = payment.payment
    if not payment.needs_refund:
        payment.needs_refund = True
        payment.note = (payment.note + "\n" + note).strip()
        queries.update(payment, ["needs_refund", "note", "updated_at"])
        logger.error(
            "payment charged twice merchant_trans_id=%s cause=%s needs_refund=1",
            payment.merchant_trans_id,
            cause,
        )
    return payment


def refund_charge(
    payment: LockedPayment | AuctionPayment | int, *, cause: str, reference: dict | None = None
) -> AuctionPayment:
    """A charge flagged needs_refund, which did not pay the auction -> refunded.

    The auction stays as it is (CONTRACT 11): another payment paid it, or it was closed.
    """

    def require_flag(locked: LockedPayment) -> None:
        if not locked.payment.needs_refund:
            raise IllegalTransition(locked.payment.status, Status.REFUNDED)

    return _transition(
        payment,
        Status.REFUNDED,
        allowed_from=(*OPEN_PAYMENT_STATUSES, Status.FAILED, Status.CANCELLED),
        cause=cause,
        reference=reference,
        before=require_flag,
    )
