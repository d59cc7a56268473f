"""Prepare and Complete (PROVIDERS.md 1.6, steps 6-13): the only Click code calling payment_flow.

Lock order (STYLE.md): the AuctionPayment (payment_flow.lock_payment), then the
ClickTransaction, then the Auction (payment_flow locks it inside complete_payment).
"""

import logging

from django.db import IntegrityError
from django.utils import timezone

from auctions import payment_flow
from auctions.models import FINAL_PAYMENT_STATUSES, AuctionPayment, AuctionStatus, PaymentStatus
from auctions.money import parse_sum
from auctions.queries import insert, update

from . import queries
from .models import ClickTransaction, ClickTransactionStatus
from .protocol import (
    PROVIDER,
    AlreadyPaid,
    BadRequest,
    ClickError,
    ClickRequest,
    IncorrectAmount,
    TransactionCancelled,
    TransactionDoesNotExist,
    UserDoesNotExist,
)

logger = logging.getLogger("payments")


class _ClickTransIdTaken(Exception):
    """The insert hit click_trans_id's unique index: the transaction must roll back."""


def prepare(incoming: ClickRequest) -> ClickTransaction:
    """Reserve the payment for this Click attempt: its row, payment `processing` (step 13)."""
    return _under_locks(_prepare, incoming)


def complete(incoming: ClickRequest) -> ClickTransaction:
    """Complete (error = 0) or fail (error < 0) the payment Click prepared, exactly once."""
    return _under_locks(_complete, incoming)


def _under_locks(step, incoming: ClickRequest) -> ClickTransaction:
    """Run `step` in one transaction; a ClickError it raises is answered after the commit.

    A refusal keeps what the step did before it on purpose: failing the payment (step 9)
    and flagging a double charge (step 11) must survive their -9 / -4 answer. Every other
    refusal comes before any write. Anything else rolls the whole transaction back (-7),
    a lock not granted within CALLBACK_LOCK_TIMEOUT too (payment_flow.LockTimeout).
    """
    try:
        return payment_flow.commit_then_refuse(step, incoming, refusal=ClickError)
    except _ClickTransIdTaken:
        raise BadRequest("click_trans_id belongs to another payment") from None


def _prepare(incoming: ClickRequest) -> ClickTransaction:
    locked = _lock_payment(incoming)  # step 6
    payment = locked.payment
    if payment.status == PaymentStatus.COMPLETED:
        raise AlreadyPaid()  # step 8
    _refuse_cancelled(payment)  # step 10
    if payment.auction.is_paid:
        raise AlreadyPaid(outcome="paid_by_another_payment")  # step 11: no money moved yet
    _check_amount(payment, incoming)  # step 12
    if payment.status == PaymentStatus.PENDING:
        # Rows are only created here, in the transaction that makes the payment processing,
        # so a pending payment has none: no lookup needed before the insert.
        row = _create_row(payment, incoming)
        payment_flow.mark_processing(
            locked, cause=PROVIDER, reference={**incoming.ids, "merchant_prepare_id": row.pk}
        )
        return row
    row = (
        ClickTransaction.objects.select_for_update()
        .filter(click_trans_id=incoming.click_trans_id)
        .first()
    )
    if row is None:
        return _create_row(payment, incoming)  # another attempt on a processing payment
    if row.payment_id != payment.pk:
        raise BadRequest("click_trans_id belongs to another payment")
    return row  # a repeated Prepare: the same answer, no second effect (1.7)


def _complete(incoming: ClickRequest) -> ClickTransaction:
    locked = _lock_payment(incoming, with_auction=True)  # step 6; completing locks both
    row = queries.lock_prepared_row(  # step 7
        incoming.merchant_prepare_id, locked.payment.pk, incoming.click_trans_id
    )
    if row is None:
        raise TransactionDoesNotExist()
    try:
        return _complete_row(locked, row, incoming)
    except ClickError as error:
        error.transaction_id = row.pk  # Click reads its merchant_confirm_id on errors too
        raise


def _complete_row(
    locked: payment_flow.LockedPayment, row: ClickTransaction, incoming: ClickRequest
) -> ClickTransaction:
    payment = locked.payment
    if payment.status == PaymentStatus.COMPLETED:
        if incoming.error == 0 and row.status != ClickTransactionStatus.COMPLETED:
            # Another attempt of this payment completed it; Click took this one's money too.
            _charged_for_paid_auction(locked, incoming)
        raise AlreadyPaid()  # step 8: a repeated Complete; error < 0 never undoes it
    reference = {**incoming.ids, "merchant_confirm_id": row.pk, "error": incoming.error}
    if incoming.error < 0:  # step 9: Click failed or cancelled the payment
        if payment.status in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
            payment_flow.fail_payment(locked, cause=PROVIDER, reference=reference)
            _record(row, incoming, ClickTransactionStatus.FAILED)
            raise TransactionCancelled(outcome="failed_at_click")
        raise TransactionCancelled()
    _refuse_cancelled(payment)  # step 10
    if payment.auction.is_paid:
        _charged_for_paid_auction(locked, incoming)  # step 11
    _check_amount(payment, incoming)  # step 12
    try:  # step 13
        payment_flow.complete_payment(locked, cause=PROVIDER, reference=reference)
    except payment_flow.AlreadyPaid:
        _charged_for_paid_auction(locked, incoming)  # paid since our unlocked read
    except (payment_flow.AuctionCancelled, payment_flow.AuctionEnded):
        raise TransactionCancelled() from None
    row.completed_at = payment.completed_at
    _record(row, incoming, ClickTransactionStatus.COMPLETED)
    return row


def _lock_payment(
    incoming: ClickRequest, *, with_auction: bool = False
) -> payment_flow.LockedPayment:
    """Lock the Click payment named by merchant_trans_id (reading its auction), or -5."""
    if not incoming.well_formed_merchant_trans_id:
        raise UserDoesNotExist()
    try:
        return payment_flow.lock_payment(
            merchant_trans_id=incoming.merchant_trans_id,
            provider=PROVIDER,
            with_auction=with_auction,
        )
    except AuctionPayment.DoesNotExist:
        raise UserDoesNotExist() from None


def _refuse_cancelled(payment: AuctionPayment) -> None:
    """Step 10, plus an unpaid auction whose end has passed: its fee would buy nothing
    (the seller API and Payme refuse it too; PROVIDERS 1.6 names no step for it)."""
    auction = payment.auction
    # Completed was answered -4 before this step; every other final status is -9.
    if payment.status in FINAL_PAYMENT_STATUSES or auction.status == AuctionStatus.CANCELLED:
        raise TransactionCancelled()
    if not auction.is_paid and auction.end_time <= timezone.now():
        raise TransactionCancelled(outcome="auction_ended")


def _check_amount(payment: AuctionPayment, incoming: ClickRequest) -> None:
    try:
        amount = parse_sum(incoming.amount_text)
    except ValueError:
        raise IncorrectAmount() from None
    if amount != payment.amount:
        raise IncorrectAmount()


def _create_row(payment: AuctionPayment, incoming: ClickRequest) -> ClickTransaction:
    try:
        return insert(  # the one place Click rows are created
            ClickTransaction(
                click_trans_id=incoming.click_trans_id,
                click_paydoc_id=incoming.click_paydoc_id,
                payment=payment,
                amount=payment.amount,
                action=incoming.action,
                sign_time=incoming.sign_time,
                error=incoming.error,
                error_note=incoming.error_note,
                status=ClickTransactionStatus.PREPARED,
            )
        )
    except IntegrityError:
        # Only another payment's row can hold this click_trans_id (ours would be found).
        raise _ClickTransIdTaken() from None


def _record(row: ClickTransaction, incoming: ClickRequest, status: str) -> None:
    """Keep Click's last applied callback on the row."""
    row.status = status
    row.action = incoming.action
    row.click_paydoc_id = incoming.click_paydoc_id
    row.sign_time = incoming.sign_time
    row.error = incoming.error
    row.error_note = incoming.error_note
    update(
        row,
        [
            "status",
            "action",
            "click_paydoc_id",
            "sign_time",
            "error",
            "error_note",
            "completed_at",
            "updated_at",
        ],
    )


def _charged_for_paid_auction(locked: payment_flow.LockedPayment, incoming: ClickRequest) -> None:
    """Click took money for an auction already paid (by another payment or another attempt
    of this one): flag it for refund, answer -4."""
    payment = locked.payment
    payment_flow.flag_needs_refund(
        locked,
        cause=PROVIDER,
        note=(
            f"Click charged click_trans_id={incoming.click_trans_id} "
            f"click_paydoc_id={incoming.click_paydoc_id} after auction {payment.auction_id} "
            "was already paid: refund it (Click Merchant API payment/reversal)."
        ),
    )
    raise AlreadyPaid(outcome="charged_twice")
