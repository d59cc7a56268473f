"""Explicit SQL for the hot paths, and the helpers every app's queries module shares.

Most code uses the ORM. A statement is written out here (or in a provider's own
`queries.py`) only where a profile showed that building the queryset cost more than the
database spent answering it (README, "Benchmark"). Each one names its columns, takes its
table names from the documented `Model._meta` API, spells a row lock `FOR UPDATE`, returns
plain values or a small dataclass, and is held to the ORM's answer by a test on SQLite and
PostgreSQL. Django's own cursor runs it, so query logging and query counts see it; no
statement is prepared at SQL level (PgBouncer in transaction mode, CONTRACT 8).
"""

import datetime
from decimal import Decimal

from django.db import connection


def fetch_one(sql: str, params: list) -> tuple | None:
    """The first row of `sql`, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def money(value) -> Decimal:
    """A money column as Decimal: PostgreSQL sends a Decimal, SQLite a number."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(Decimal("0.01"))


def moment(value) -> datetime.datetime:
    """A timestamp column as an aware datetime: SQLite's come back naive, in UTC."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value
