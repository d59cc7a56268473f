"""One function per Payme method (PROVIDERS 2.4): the only callers of auctions.payment_flow.

Each takes the call's `params` and the `Call` it reports into, returns the JSON-RPC result or
raises a protocol error. Writes run in `_in_transaction`: the payment row is locked first
(payment_flow.lock_payment), then the Payme row, then payment_flow locks the auction.
"""

import hashlib
import logging
import time
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from auctions import payment_flow, providers
from auctions.crypto import encrypt_text
from auctions.models import OPEN_PAYMENT_STATUSES, AuctionPayment, AuctionStatus, PaymentStatus
from auctions.money import sum_to_tiyin
from auctions.queries import insert, update

from . import protocol, queries
from .models import PaymeKeyChange, PaymeTransaction
from .models import TransactionState as State

logger = logging.getLogger("payments")

CAUSE = "payme"
PROVIDER = "payme"
TIMEOUT_MS = 43_200_000  # PROVIDERS 2.3: a state-1 transaction expires after 12 hours
FISCAL_TYPES = {"PERFORM": "fiscal_perform", "CANCEL": "fiscal_cancel"}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _in_transaction(work, *args):
    """Run `work` in one transaction; raise its protocol refusal only after the block.

    A refusal keeps what `work` wrote before raising it (the 12-hour timeout cancels, then
    answers -31008); `work` refuses before writing otherwise, and payment_flow rolls back
    its own savepoint when it refuses. Any other exception rolls everything back (-32400),
    a lock not granted within CALLBACK_LOCK_TIMEOUT too: Payme repeats the call.
    """
    try:
        return payment_flow.commit_then_refuse(work, *args, refusal=protocol.PaymeError)
    except payment_flow.LockTimeout:
        args[-1].outcome = "lock_timeout"  # every work function takes the Call last
        raise protocol.SystemFailure() from None


def _reference(payme_transaction: PaymeTransaction | str) -> dict:
    payme_id = getattr(payme_transaction, "payme_id", payme_transaction)
    return {"payme_id": payme_id}


# -- accounts ----------------------------------------------------------------------------


def _account(params: dict, call: protocol.Call) -> queries.Account:
    """The payment named by the account field, unlocked: -31050 unless it is Payme's."""
    merchant_trans_id = protocol.account_param(params)
    call.merchant_trans_id = merchant_trans_id
    found = queries.account(merchant_trans_id)  # Payme's most frequent call: one look-up
    if found is None or found.provider != PROVIDER:
        raise protocol.AccountNotFound()
    return found


def _lock_account(params: dict, call: protocol.Call) -> payment_flow.LockedPayment:
    """The payment named by the account field, locked: -31050 unless it is Payme's."""
    merchant_trans_id = protocol.account_param(params)
    call.merchant_trans_id = merchant_trans_id
    try:
        locked = payment_flow.lock_payment(merchant_trans_id=merchant_trans_id)
    except AuctionPayment.DoesNotExist:
        raise protocol.AccountNotFound() from None
    if locked.payment.provider != PROVIDER:
        raise protocol.AccountNotFound()
    return locked


def payable(status: str, *, is_paid: bool, auction_status: str, end_time) -> bool:
    """Whether a payment in `status` of such an auction can take money now (else -31099)."""
    return (
        status in OPEN_PAYMENT_STATUSES
        and not is_paid
        and auction_status == AuctionStatus.PENDING_PAYMENT
        and end_time > timezone.now()
    )


def _check_amount_and_payable(params: dict, amount: Decimal, can_pay: bool) -> int:
    tiyin = protocol.amount_param(params)
    if tiyin != sum_to_tiyin(amount):
        raise protocol.WrongAmount("amount")
    if not can_pay:
        raise protocol.AccountNotPayable()
    return tiyin


def _card_payment_completed(payment_id: int, status: str) -> bool:
    """A card payment whose receipts.pay answer completed it before Payme's callbacks came:
    the callbacks are the same payment's and are accepted (CONTRACT 9, exactly once)."""
    from .models import CardReceipt

    return (
        status == PaymentStatus.COMPLETED
        and CardReceipt.objects.filter(payment_id=payment_id).exists()
        and not PaymeTransaction.objects.filter(payment_id=payment_id).exists()
    )


# -- answers -----------------------------------------------------------------------------


def _create_answer(payme_transaction: PaymeTransaction) -> dict:
    return {
        "create_time": payme_transaction.create_time,
        "transaction": str(payme_transaction.pk),
        "state": payme_transaction.state,
        "receivers": None,
    }


def _perform_answer(payme_transaction: PaymeTransaction) -> dict:
    return {
        "transaction": str(payme_transaction.pk),
        "perform_time": payme_transaction.perform_time,
        "state": payme_transaction.state,
    }


def _cancel_answer(payme_transaction: PaymeTransaction) -> dict:
    return {
        "transaction": str(payme_transaction.pk),
        "cancel_time": payme_transaction.cancel_time,
        "state": payme_transaction.state,
    }


def _check_answer(payme_transaction: PaymeTransaction | queries.TransactionAnswer) -> dict:
    return {
        "create_time": payme_transaction.create_time,
        "perform_time": payme_transaction.perform_time,
        "cancel_time": payme_transaction.cancel_time,
        "transaction": str(payme_transaction.id),
        "state": payme_transaction.state,
        "reason": payme_transaction.reason,
    }


def _statement_item(payme_transaction: PaymeTransaction) -> dict:
    return {
        "id": payme_transaction.payme_id,
        "time": payme_transaction.time,
        "amount": payme_transaction.amount,
        "account": {settings.PAYME_ACCOUNT_FIELD: payme_transaction.payment.merchant_trans_id},
        "create_time": payme_transaction.create_time,
        "perform_time": payme_transaction.perform_time,
        "cancel_time": payme_transaction.cancel_time,
        "transaction": str(payme_transaction.pk),
        "state": payme_transaction.state,
        "reason": payme_transaction.reason,
        "receivers": None,
    }


# -- shared steps ------------------------------------------------------------------------


def _lock_transaction(
    payme_id: str, call: protocol.Call
) -> tuple[payment_flow.LockedPayment, PaymeTransaction]:
    """Lock the transaction's payment and auction, then the transaction; -31003 if unknown.

    Perform completes and Cancel may refund, both locking the auction: one query for both.
    """
    # A transaction's payment never changes, so it is read unlocked, then locked first.
    payment_id = queries.payment_id_of(payme_id)
    if payment_id is None:
        raise protocol.TransactionNotFound("id")
    locked = payment_flow.lock_payment(pk=payment_id, with_auction=True)
    call.merchant_trans_id = locked.payment.merchant_trans_id
    payme_transaction = queries.lock_transaction(payme_id)
    return locked, payme_transaction


def _expired(payme_transaction: PaymeTransaction) -> bool:
    return now_ms() - payme_transaction.create_time > TIMEOUT_MS


def _cancel(
    locked: payment_flow.LockedPayment,
    payme_transaction: PaymeTransaction,
    *,
    reason: int,
    cause: str = CAUSE,
    reference: dict | None = None,
) -> None:
    """Cancel a state-1 transaction (-1) and its payment: no money has moved."""
    payment = locked.payment
    if reference is None:
        reference = _reference(payme_transaction)
    try:
        payment_flow.cancel_payment(locked, cause=cause, reference=reference)
    except payment_flow.PaymentFlowError as error:
        # The payment was closed by other means (an operator); Payme's transaction is
        # still cancelled on its side, so ours follows.
        logger.warning(
            "payme cancel left payment as it is merchant_trans_id=%s status=%s error=%s",
            payment.merchant_trans_id,
            payment.status,
            type(error).__name__,
        )
    payme_transaction.state = State.CANCELLED
    payme_transaction.reason = reason
    payme_transaction.cancel_time = now_ms()
    update(payme_transaction, ["state", "reason", "cancel_time", "updated_at"])


def _expire(locked: payment_flow.LockedPayment, payme_transaction: PaymeTransaction, call) -> None:
    _cancel(locked, payme_transaction, reason=4)  # reason 4: timeout
    call.outcome = "expired"
    raise protocol.CannotPerform("id")


def cancel_expired(
    *,
    payment_id: int | None = None,
    auction_id: int | None = None,
    payme_id: str | None = None,
    cause: str = CAUSE,
) -> int:
    """Cancel waiting transactions older than Payme's 12 hours; return how many (CONTRACT 1).

    Each with reason 4 (timeout) and its payment `cancelled`, so nothing waits on a
    transaction Payme will never perform and the seller can start a new payment. Called
    wherever one is met: a callback naming its account or id, a seller starting a payment,
    and the reconcile command and the expiry job (no arguments: every expired one). Each
    is re-checked under the payment's and the transaction's locks, in its own transaction.
    `cause` is the audit cause (reconciliation passes its own).
    """
    rows = PaymeTransaction.objects.filter(
        state=State.CREATED, create_time__lt=now_ms() - TIMEOUT_MS
    )
    if payment_id is not None:
        rows = rows.filter(payment_id=payment_id)
    if auction_id is not None:
        rows = rows.filter(payment__auction_id=auction_id)
    if payme_id is not None:
        rows = rows.filter(payme_id=payme_id)
    cancelled = 0
    for expired_id in list(rows.order_by("pk").values_list("payme_id", flat=True)):
        with payment_flow.atomic():
            locked = payment_flow.lock_payment(pk=queries.payment_id_of(expired_id))
            payme_transaction = queries.lock_transaction(expired_id)
            if payme_transaction.state != State.CREATED or not _expired(payme_transaction):
                continue  # performed or cancelled meanwhile
            _cancel(  # reason 4: timeout
                locked,
                payme_transaction,
                reason=4,
                cause=cause,
                reference={**_reference(payme_transaction), "reason": 4},
            )
            cancelled += 1
        logger.info(
            "payme expired merchant_trans_id=%s payme_id=%s outcome=cancelled reason=4",
            locked.payment.merchant_trans_id,
            expired_id,
        )
    return cancelled


# -- methods -----------------------------------------------------------------------------


def check_perform_transaction(params: dict, call: protocol.Call) -> dict:
    """Whether Payme may take the money: one query (the payment with its auction)."""
    account = _account(params, call)
    status = account.status
    if status == PaymentStatus.PROCESSING:
        # A processing payment may wait on a transaction past Payme's 12 hours: cancelled
        # here, or by a racing call since the read above, so its status is read again.
        if cancel_expired(payment_id=account.payment_id):
            call.outcome = "expired"
        status = (
            AuctionPayment.objects.filter(pk=account.payment_id)
            .values_list("status", flat=True)
            .get()
        )
    can_pay = payable(
        status,
        is_paid=account.auction_is_paid,
        auction_status=account.auction_status,
        end_time=account.auction_end_time,
    ) or _card_payment_completed(account.payment_id, status)
    _check_amount_and_payable(params, account.amount, can_pay)
    result = {"allow": True}
    if settings.PAYME_FISCAL_IKPU:
        result["detail"] = protocol.receipt_detail(account.auction_id, account.amount)
    return result


def create_transaction(params: dict, call: protocol.Call) -> dict:
    payme_id = protocol.text_param(params, "id")
    call.payme_id = payme_id
    payme_time = protocol.integer_param(params, "time")
    return _in_transaction(_create, params, payme_id, payme_time, call)


def _create(params: dict, payme_id: str, payme_time: int, call: protocol.Call) -> dict:
    try:
        locked = _lock_account(params, call)
    except protocol.AccountNotFound:
        # A known id is answered from its row before the account is judged (PROVIDERS 2.4).
        known = PaymeTransaction.objects.filter(payme_id=payme_id).first()
        if known is None:
            raise
        return _repeat_create(known, None, call)
    payment = locked.payment
    # Under the payment's lock, in one query: this id, and the payment's active transaction
    # (at most two rows: the unique payme_id's, and the payment's one state-1 transaction).
    rows = queries.id_or_active(payme_id, payment.pk)
    known = next((row for row in rows if row.payme_id == payme_id), None)
    if known is not None:
        return _repeat_create(known, locked if known.payment_id == payment.pk else None, call)
    if rows and _expired(rows[0]):
        # The payment's waiting transaction timed out: cancelled first, so the account is
        # no longer payable (-31099) and the seller can start a new payment (CONTRACT 1).
        _cancel(locked, queries.lock_transaction(rows[0].payme_id), reason=4)
        call.outcome = "expired_other"
        rows = []
    auction = payment.auction
    can_pay = payable(
        payment.status,
        is_paid=auction.is_paid,
        auction_status=auction.status,
        end_time=auction.end_time,
    ) or _card_payment_completed(payment.pk, payment.status)
    amount = _check_amount_and_payable(params, payment.amount, can_pay)
    if rows:
        call.outcome = "other_active"
        raise protocol.CannotPerform("id")  # a one-time account waits on another transaction
    if now_ms() - payme_time > TIMEOUT_MS:
        raise protocol.CannotPerform("time")
    payme_transaction = insert(  # the one place Payme rows are created
        PaymeTransaction(
            payme_id=payme_id,
            payment=payment,
            amount=amount,
            time=payme_time,
            create_time=now_ms(),
            state=State.CREATED,
        )
    )
    if payment.status != PaymentStatus.COMPLETED:  # a card payment completed first stays so
        payment_flow.mark_processing(locked, cause=CAUSE, reference=_reference(payme_id))
    call.outcome = "created"
    return _create_answer(payme_transaction)


def _repeat_create(
    known: PaymeTransaction, locked: payment_flow.LockedPayment | None, call: protocol.Call
) -> dict:
    if known.state != State.CREATED:
        raise protocol.CannotPerform("id")
    if _expired(known):
        if locked is None:  # locked the account's payment, not this one: lock it first
            locked, known = _lock_transaction(known.payme_id, call)
            return _repeat_create(known, locked, call)
        _expire(locked, known, call)
    call.outcome = "repeated"
    return _create_answer(known)


def perform_transaction(params: dict, call: protocol.Call) -> dict:
    payme_id = protocol.text_param(params, "id")
    call.payme_id = payme_id
    return _in_transaction(_perform, payme_id, call)


def _perform(payme_id: str, call: protocol.Call) -> dict:
    locked, payme_transaction = _lock_transaction(payme_id, call)
    if payme_transaction.state == State.PERFORMED:
        call.outcome = "repeated"
        return _perform_answer(payme_transaction)
    if payme_transaction.state != State.CREATED:
        raise protocol.CannotPerform("id")
    if _expired(payme_transaction):
        _expire(locked, payme_transaction, call)
    try:
        payment_flow.complete_payment(locked, cause=CAUSE, reference=_reference(payme_transaction))
    except payment_flow.PaymentFlowError as error:
        # Another payment paid the auction (or it was cancelled): nothing changes, Payme
        # cancels the transaction itself (PROVIDERS 2.4).
        call.outcome = type(error).__name__
        raise protocol.CannotPerform("id") from None
    payme_transaction.state = State.PERFORMED
    payme_transaction.perform_time = now_ms()
    update(payme_transaction, ["state", "perform_time", "updated_at"])
    call.outcome = "completed"
    return _perform_answer(payme_transaction)


def cancel_transaction(params: dict, call: protocol.Call) -> dict:
    payme_id = protocol.text_param(params, "id")
    call.payme_id = payme_id
    reason = protocol.integer_param(params, "reason", minimum=1)
    if reason > 32767:  # reason is a SmallIntegerField
        raise protocol.InvalidRequest("reason")
    return _in_transaction(_cancel_transaction, payme_id, reason, call)


def _cancel_transaction(payme_id: str, reason: int, call: protocol.Call) -> dict:
    locked, payme_transaction = _lock_transaction(payme_id, call)
    if payme_transaction.state in (State.CANCELLED, State.CANCELLED_AFTER_PERFORM):
        call.outcome = "repeated"
        return _cancel_answer(payme_transaction)  # the first reason is kept
    if payme_transaction.state == State.CREATED:
        _cancel(locked, payme_transaction, reason=reason)
        call.outcome = "cancelled"
        return _cancel_answer(payme_transaction)
    try:
        payment_flow.refund_payment(locked, cause=CAUSE, reference=_reference(payme_transaction))
    except payment_flow.PaymentFlowError as error:
        call.outcome = type(error).__name__
        raise protocol.CannotCancel("id") from None  # CONTRACT 1: bids or ended
    payme_transaction.state = State.CANCELLED_AFTER_PERFORM
    payme_transaction.reason = reason
    payme_transaction.cancel_time = now_ms()
    update(payme_transaction, ["state", "reason", "cancel_time", "updated_at"])
    call.outcome = "refunded"
    return _cancel_answer(payme_transaction)


def _answer_row(payme_id: str, call: protocol.Call) -> queries.TransactionAnswer:
    """The transaction with only the columns an answer shows (one query), or -31003."""
    answer = queries.transaction_answer(payme_id)
    if answer is None:
        raise protocol.TransactionNotFound("id")
    call.merchant_trans_id = answer.merchant_trans_id
    return answer


def check_transaction(params: dict, call: protocol.Call) -> dict:
    payme_id = protocol.text_param(params, "id")
    call.payme_id = payme_id
    payme_transaction = _answer_row(payme_id, call)
    if payme_transaction.state == State.CREATED and _expired(payme_transaction):
        if cancel_expired(payme_id=payme_id):
            call.outcome = "expired"
        payme_transaction = _answer_row(payme_id, call)
    return _check_answer(payme_transaction)


def get_statement(params: dict, call: protocol.Call) -> dict:
    """Every transaction Payme created with from <= time <= to, ascending (PROVIDERS 2.4)."""
    start = protocol.integer_param(params, "from")
    end = protocol.integer_param(params, "to")
    rows = (
        PaymeTransaction.objects.select_related("payment")
        .filter(time__gte=start, time__lte=end)
        .order_by("time", "id")
    )
    transactions = [_statement_item(row) for row in rows]
    call.outcome = f"items:{len(transactions)}"
    return {"transactions": transactions}


def set_fiscal_data(params: dict, call: protocol.Call) -> dict:
    payme_id = protocol.text_param(params, "id")
    call.payme_id = payme_id
    kind = params.get("type")
    if not isinstance(kind, str) or kind not in FISCAL_TYPES:
        raise protocol.InvalidRequest("type")
    fiscal_data = protocol.object_param(params, "fiscal_data")
    payme_transaction = _answer_row(payme_id, call)
    # One UPDATE of one column: a repeat overwrites (PROVIDERS 2.4), nothing else moves.
    field = FISCAL_TYPES[kind]
    update(PaymeTransaction(id=payme_transaction.id, **{field: fiscal_data}), [field, "updated_at"])
    call.outcome = f"fiscal_{kind.lower()}"
    return {"success": True}


def change_password(params: dict, call: protocol.Call) -> dict:
    """Store only the new key's SHA-256; it replaces PAYME_KEY from now on (CONTRACT 4)."""
    password = params.get("password")
    if not isinstance(password, str) or not password or not providers.storable(password):
        raise protocol.InvalidRequest("password")
    key_sha256 = hashlib.sha256(password.encode("utf-8")).hexdigest()
    # The key itself, encrypted: our Subscribe API calls are signed with it (CONTRACT 9).
    PaymeKeyChange.objects.create(key_sha256=key_sha256, key_encrypted=encrypt_text(password))
    protocol.invalidate_key_cache()
    call.outcome = "key_changed"
    return {"success": True}
