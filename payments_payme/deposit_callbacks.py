"""Merchant API calls naming a deposit's DEPOSIT_… account (CONTRACT 9).

Payme may call our Merchant API for a deposit's Subscribe receipt. It is answered as an
order of the deposit's amount: CheckPerformTransaction allows it while the deposit is
processing or held; Create, Perform and Cancel are recorded against the deposit
(PaymeDepositTransaction). None of it moves an AuctionPayment or the deposit's status:
the Subscribe answers and receipts.check do that (auctions.deposit_flow).
"""

import re

from django.conf import settings
from django.db import transaction

from auctions.models import DEPOSIT_ACCOUNT_PATTERN, Deposit, DepositStatus
from auctions.money import sum_to_tiyin

from . import protocol, services
from .models import PaymeDepositTransaction
from .models import TransactionState as State

DEPOSIT_ACCOUNT = re.compile(DEPOSIT_ACCOUNT_PATTERN)
OPEN = (DepositStatus.PROCESSING, DepositStatus.HELD)


def _ours(answer: dict, row: PaymeDepositTransaction) -> dict:
    """Our id of a deposit's transaction: D and its row id, never a payment's id."""
    return {**answer, "transaction": f"D{row.pk}"}


def names_deposit(params: dict) -> bool:
    account = params.get("account")
    value = account.get(settings.PAYME_ACCOUNT_FIELD) if isinstance(account, dict) else None
    return isinstance(value, str) and value.startswith("DEPOSIT_")


def _deposit(params: dict, call, *, lock: bool) -> Deposit:
    value = params["account"][settings.PAYME_ACCOUNT_FIELD]
    call.merchant_trans_id = value
    if not DEPOSIT_ACCOUNT.fullmatch(value):
        raise protocol.AccountNotFound()
    deposits = Deposit.objects.select_for_update() if lock else Deposit.objects
    deposit = deposits.filter(account=value).first()
    if deposit is None or deposit.provider != "payme":
        raise protocol.AccountNotFound()
    return deposit


def _check_amount(params: dict, deposit: Deposit) -> int:
    amount = protocol.amount_param(params)
    if amount != sum_to_tiyin(deposit.amount):
        raise protocol.WrongAmount("amount")
    if deposit.status not in OPEN:
        raise protocol.AccountNotPayable()
    return amount


def check_perform_transaction(params: dict, call) -> dict:
    _check_amount(params, _deposit(params, call, lock=False))
    call.outcome = "deposit"
    return {"allow": True}


def create_transaction(params: dict, call) -> dict:
    payme_id = protocol.text_param(params, "id")
    call.payme_id = payme_id
    payme_time = protocol.integer_param(params, "time")
    with transaction.atomic():
        deposit = _deposit(params, call, lock=True)
        known = PaymeDepositTransaction.objects.filter(payme_id=payme_id).first()
        if known is not None:
            if known.state != State.CREATED or known.deposit_id != deposit.pk:
                raise protocol.CannotPerform("id")
            call.outcome = "repeated"
            return _ours(services._create_answer(known), known)
        amount = _check_amount(params, deposit)
        if PaymeDepositTransaction.objects.filter(deposit=deposit, state=State.CREATED).exists():
            raise protocol.CannotPerform("id")
        if services.now_ms() - payme_time > services.TIMEOUT_MS:
            raise protocol.CannotPerform("time")
        row = PaymeDepositTransaction.objects.create(
            payme_id=payme_id,
            deposit=deposit,
            amount=amount,
            time=payme_time,
            create_time=services.now_ms(),
            state=State.CREATED,
        )
    call.outcome = "deposit_created"
    return _ours(services._create_answer(row), row)


def knows(params: dict) -> bool:
    payme_id = params.get("id")
    return (
        isinstance(payme_id, str)
        and PaymeDepositTransaction.objects.filter(payme_id=payme_id).exists()
    )


def _locked(params: dict, call) -> PaymeDepositTransaction:
    payme_id = protocol.text_param(params, "id")
    call.payme_id = payme_id
    row = PaymeDepositTransaction.objects.select_for_update().filter(payme_id=payme_id).first()
    if row is None:
        raise protocol.TransactionNotFound("id")
    call.merchant_trans_id = row.deposit.account
    return row


def perform_transaction(params: dict, call) -> dict:
    with transaction.atomic():
        row = _locked(params, call)
        if row.state == State.CREATED:
            row.state, row.perform_time = State.PERFORMED, services.now_ms()
            row.save(update_fields=["state", "perform_time", "updated_at"])
        elif row.state != State.PERFORMED:
            raise protocol.CannotPerform("id")
    call.outcome = "deposit_performed"
    return _ours(services._perform_answer(row), row)


def cancel_transaction(params: dict, call) -> dict:
    reason = protocol.integer_param(params, "reason", minimum=1)
    if reason > 32767:
        raise protocol.InvalidRequest("reason")
    with transaction.atomic():
        row = _locked(params, call)
        if row.state in (State.CREATED, State.PERFORMED):
            row.state = (
                State.CANCELLED if row.state == State.CREATED else State.CANCELLED_AFTER_PERFORM
            )
            row.reason, row.cancel_time = reason, services.now_ms()
            row.save(update_fields=["state", "reason", "cancel_time", "updated_at"])
    call.outcome = "deposit_cancelled"
    return _ours(services._cancel_answer(row), row)


def check_transaction(params: dict, call) -> dict:
    with transaction.atomic():
        row = _locked(params, call)
    return _ours(services._check_answer(row), row)


def statement_items(params: dict) -> list[dict]:
    """GetStatement's items for deposits' transactions (their account is DEPOSIT_…)."""
    start = protocol.integer_param(params, "from")
    end = protocol.integer_param(params, "to")
    rows = (
        PaymeDepositTransaction.objects.select_related("deposit")
        .filter(time__gte=start, time__lte=end)
        .order_by("time", "id")
    )
    return [
        {
            "id": row.payme_id,
            "time": row.time,
            "amount": row.amount,
            "account": {settings.PAYME_ACCOUNT_FIELD: row.deposit.account},
            "create_time": row.create_time,
            "perform_time": row.perform_time,
            "cancel_time": row.cancel_time,
            "transaction": f"D{row.pk}",
            "state": row.state,
            "reason": row.reason,
            "receivers": None,
        }
        for row in rows
    ]
