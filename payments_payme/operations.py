"""Payme's hooks for operations (CONTRACT 11): reconcile, refund, admin timeline.

Payme has no status call for Merchant API transactions (Payme calls us), so reconcile
checks our own rows: a waiting transaction past Payme's 12-hour timeout is cancelled with
reason 4. Saved-card payments (CONTRACT 9) are settled with `receipts.check` and refunded
with `receipts.cancel` (payments_payme.cards).
"""

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from auctions.models import OPEN_PAYMENT_STATUSES, AuctionPayment
from auctions.models import PaymentStatus as Status
from auctions.reconcile import Finding, cause
from auctions.refunds import RefundResult
from auctions.timeline import Entry

from . import cards
from .models import CardReceipt, PaymeTransaction
from .models import TransactionState as State
from .services import PROVIDER, TIMEOUT_MS, cancel_expired, now_ms

CAUSE = cause(PROVIDER)


def is_card_payment(payment: AuctionPayment) -> bool:
    """Whether the payment was charged to a saved card (a CardReceipt), not via checkout."""
    return CardReceipt.objects.filter(payment_id=payment.pk).exists()


def reconcile(payment: AuctionPayment) -> Finding:
    """Cancel expired waiting transactions; settle a card receipt; report what is left."""
    if is_card_payment(payment):
        return _reconcile_card(payment)
    rows = list(PaymeTransaction.objects.filter(payment=payment).order_by("create_time", "id"))
    answer = {
        "transactions": [
            {"id": row.payme_id, "state": row.state, "reason": row.reason} for row in rows
        ]
    }
    expired = [
        row
        for row in rows
        if row.state == State.CREATED and now_ms() - row.create_time > TIMEOUT_MS
    ]
    if expired:
        cancel_expired(payment_id=payment.pk, cause=CAUSE)
    payment.refresh_from_db(fields=["status", "needs_refund"])
    states = ", ".join(f"{row.payme_id} state {row.state}" for row in rows) or "no transaction"
    if expired:
        states = f"12-hour timeout: cancelled with reason 4 ({states})"
    if payment.needs_refund and payment.status != Status.REFUNDED:
        return Finding(False, states, "refund it in Payme's merchant cabinet", answer)
    active = any(row.state == State.CREATED and row not in expired for row in rows)
    performed = any(row.state == State.PERFORMED for row in rows)
    if payment.status == Status.PENDING or (payment.status == Status.PROCESSING and active):
        return Finding(True, states, answer=answer)  # waiting for the payer, or nothing yet
    if payment.status == Status.COMPLETED and performed:
        return Finding(True, states, answer=answer)
    if payment.status not in OPEN_PAYMENT_STATUSES:
        return Finding(True, states, answer=answer)
    return Finding(
        False, states, "our payment and Payme's transactions disagree: check GetStatement", answer
    )


def _reconcile_card(payment: AuctionPayment) -> Finding:
    result = cards.settle_card_payment(payment)  # receipts.check; settles through payment_flow
    payment.refresh_from_db(fields=["status", "needs_refund", "created_at"])
    said = f"receipt: {result}"
    if str(result).startswith("unreachable"):
        return Finding(False, said, "Payme could not be asked: retry; check PAYME_SUBSCRIBE_URL")
    if payment.needs_refund and payment.status != Status.REFUNDED:
        return Finding(False, said, "refund it: admin action 'Refund through the provider'")
    if payment.status in OPEN_PAYMENT_STATUSES:
        age = (timezone.now() - payment.created_at).total_seconds()
        if age >= settings.RECONCILE_GRACE_SECONDS:
            return Finding(False, said, "receipt still unsettled: ask Payme's support")
    return Finding(True, said)


def refund(payment: AuctionPayment, *, note: str = "") -> RefundResult:
    """A card receipt is cancelled (receipts.cancel); a checkout payment is refunded by Payme."""
    if is_card_payment(payment):
        # It moves the payment itself (refunded, once) and answers what happened.
        result = cards.refund_card_payment(payment)
        if result not in ("refunded", "already refunded"):
            return RefundResult(False, f"the receipt was not cancelled: {result}")
        return RefundResult(True, "receipt cancelled at Payme", {"call": "receipts.cancel"})
    return RefundResult(
        False,
        "a Payme checkout payment is refunded from Payme's merchant cabinet: cancel the "
        "transaction there; Payme then calls CancelTransaction, which marks it refunded here",
    )


def _at(ms: int):
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms else None


def timeline(payment: AuctionPayment) -> list[Entry]:
    """Payme's calls as their effects on our transaction rows (times as Payme's ms)."""
    entries = []
    for row in PaymeTransaction.objects.filter(payment=payment):
        what = f"Payme transaction {row.payme_id}"
        entries.append(Entry(_at(row.create_time), "Payme CreateTransaction", what, "state 1"))
        if row.perform_time:
            entries.append(
                Entry(_at(row.perform_time), "Payme PerformTransaction", what, "state 2")
            )
        if row.cancel_time:
            entries.append(
                Entry(
                    _at(row.cancel_time),
                    "Payme CancelTransaction",
                    what,
                    f"state {row.state}, reason {row.reason}",
                )
            )
    return entries
