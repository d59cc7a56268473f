"""The Payme read callbacks' statements, written out (auctions/queries.py says when and why).

Measured in one process against the ORM form they replace (README, "Benchmark"):
CheckPerformTransaction's and CheckTransaction's look-ups cost PostgreSQL a few hundredths
of a millisecond; building and compiling the equivalent querysets cost several times more.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from auctions.models import Auction, AuctionPayment
from auctions.queries import fetch_one, lock_row, moment, money, rows

from .models import PaymeTransaction, TransactionState

_ACCOUNT = f"""
    SELECT p.id, p.provider, p.status, p.amount, p.auction_id,
           a.is_paid, a.status, a.end_time
      FROM {AuctionPayment._meta.db_table} p
      JOIN {Auction._meta.db_table} a ON a.id = p.auction_id
     WHERE p.merchant_trans_id = %s
"""  # noqa: S608 -- table names from Model._meta; every value is a parameter


@dataclass(frozen=True)
class Account:
    """What CheckPerformTransaction judges: the payment and its auction, unlocked."""

    payment_id: int
    provider: str
    status: str
    amount: Decimal
    auction_id: int
    auction_is_paid: bool
    auction_status: str
    auction_end_time: datetime.datetime


def account(merchant_trans_id: str) -> Account | None:
    """The payment named by a Payme account, with its auction, in one indexed look-up."""
    row = fetch_one(_ACCOUNT, [merchant_trans_id])
    if row is None:
        return None
    payment_id, provider, status, amount, auction_id, is_paid, auction_status, end_time = row
    return Account(
        payment_id=payment_id,
        provider=provider,
        status=status,
        amount=money(amount),
        auction_id=auction_id,
        auction_is_paid=bool(is_paid),
        auction_status=auction_status,
        auction_end_time=moment(end_time),
    )


_ANSWER = f"""
    SELECT t.id, t.create_time, t.perform_time, t.cancel_time, t.state, t.reason,
           p.merchant_trans_id
      FROM {PaymeTransaction._meta.db_table} t
      JOIN {AuctionPayment._meta.db_table} p ON p.id = t.payment_id
     WHERE t.payme_id = %s
"""  # noqa: S608 -- as above


@dataclass(frozen=True)
class TransactionAnswer:
    """What CheckTransaction answers (PROVIDERS 2.4), and the payment it belongs to."""

    id: int
    create_time: int
    perform_time: int
    cancel_time: int
    state: int
    reason: int | None
    merchant_trans_id: str


def transaction_answer(payme_id: str) -> TransactionAnswer | None:
    """A Payme transaction's answer columns, by Payme's id, in one indexed look-up."""
    row = fetch_one(_ANSWER, [payme_id])
    return TransactionAnswer(*row) if row else None


_PAYMENT_OF = f"""
    SELECT t.payment_id
      FROM {PaymeTransaction._meta.db_table} t
     WHERE t.payme_id = %s
"""  # noqa: S608 -- as above


def payment_id_of(payme_id: str) -> int | None:
    """The payment a Payme transaction belongs to (fixed at its creation), unlocked."""
    row = fetch_one(_PAYMENT_OF, [payme_id])
    return row[0] if row else None


def lock_transaction(payme_id: str) -> PaymeTransaction | None:
    """A Payme transaction's row, locked, by Payme's id (after its payment's lock)."""
    return lock_row(PaymeTransaction, "r.payme_id = %s", [payme_id])


def id_or_active(payme_id: str, payment_id: int) -> list[PaymeTransaction]:
    """Under the payment's lock, CreateTransaction's one look-up: the transaction with this
    Payme id, and the payment's waiting (state 1) one; at most two rows."""
    return rows(
        PaymeTransaction,
        "r.payme_id = %s OR (r.payment_id = %s AND r.state = %s)",
        [payme_id, payment_id, TransactionState.CREATED],
    )
