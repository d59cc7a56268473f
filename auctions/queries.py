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
import functools
from decimal import Decimal

from django.db import DatabaseError, connection, models

from .models import Auction, AuctionPayment, Bid


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


# Row locks: a written-out SELECT ... FOR UPDATE, the instance the ORM would build.


@functools.cache
def stored_fields(model) -> list:
    """The model's columns, in declaration order (the documented Model._meta API)."""
    return [
        field
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False) and not field.many_to_many
    ]


def _python_value(field, value):
    """A column's value as the model field holds it, on SQLite and PostgreSQL alike."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return money(value)
    if isinstance(field, models.DateTimeField):
        return moment(value)
    if isinstance(field, models.BooleanField):
        return bool(value)
    if hasattr(field, "from_db_value"):  # e.g. JSONField
        return field.from_db_value(value, None, connection)
    return value


def columns(model, alias: str) -> str:
    """The model's columns, named and qualified by `alias`, for a SELECT list."""
    return ", ".join(f"{alias}.{field.column}" for field in stored_fields(model))


def instance(model, fields: list, values) -> models.Model:
    """The model instance a row of stored_fields(model) makes (the documented from_db)."""
    return model.from_db(
        connection.alias,
        [field.attname for field in fields],
        [_python_value(field, value) for field, value in zip(fields, values, strict=True)],
    )


LOCKABLE_BY = ("pk", "merchant_trans_id", "provider")


def lock_payment(*, with_auction: bool, **lookup) -> AuctionPayment | None:
    """SELECT ... FOR UPDATE one payment (and, with_auction, its auction) by pk or by
    merchant_trans_id, optionally with provider; the payment with `.auction` set, or None.

    The auction row is read either way (the callers judge it) and locked in the same
    statement only with_auction. The caller holds a transaction (payment_flow checks it).
    """
    names = tuple(name for name in LOCKABLE_BY if name in lookup)
    if len(names) != len(lookup) or not ({"pk", "merchant_trans_id"} & set(names)):
        raise TypeError(f"lock_payment looks payments up by {LOCKABLE_BY}, not {sorted(lookup)}")
    sql, split = _lock_statement(names, with_auction, connection.vendor)
    row = fetch_one(sql, [lookup[name] for name in names])
    if row is None:
        return None
    payment = instance(AuctionPayment, stored_fields(AuctionPayment), row[:split])
    payment.auction = instance(Auction, stored_fields(Auction), row[split:])
    return payment


@functools.cache
def _lock_statement(names: tuple[str, ...], with_auction: bool, vendor: str) -> tuple[str, int]:
    where = " AND ".join(f"p.{'id' if name == 'pk' else name} = %s" for name in names)
    sql = (
        f"SELECT {columns(AuctionPayment, 'p')}, {columns(Auction, 'a')}"  # noqa: S608 -- names from Model._meta; values are parameters
        f" FROM {AuctionPayment._meta.db_table} p"
        f" JOIN {Auction._meta.db_table} a ON a.id = p.auction_id"
        f" WHERE {where}"
    )
    if vendor == "postgresql":  # SQLite has no row locks: it locks the database at BEGIN
        sql += " FOR UPDATE OF p, a" if with_auction else " FOR UPDATE OF p"
    return sql, len(stored_fields(AuctionPayment))


def rows(model, sql_where: str, params: list) -> list[models.Model]:
    """Every row of `model` WHERE `sql_where` (the caller's written-out condition on alias
    `r`; keep it bounded by a unique or indexed column), as instances."""
    sql = f"SELECT {columns(model, 'r')} FROM {model._meta.db_table} r WHERE {sql_where}"  # noqa: S608 -- as above
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    fields = stored_fields(model)
    return [instance(model, fields, row) for row in found]


def lock_row(model, sql_where: str, params: list) -> models.Model | None:
    """SELECT every column of `model` FOR UPDATE (PostgreSQL) WHERE `sql_where`, as an
    instance, or None. `sql_where` is the caller's written-out condition on alias `r`."""
    sql = f"SELECT {columns(model, 'r')} FROM {model._meta.db_table} r WHERE {sql_where}"  # noqa: S608 -- as above
    if connection.vendor == "postgresql":
        sql += " FOR UPDATE"
    row = fetch_one(sql, params)
    return instance(model, stored_fields(model), row) if row else None


def lock_auction(pk: int) -> Auction | None:
    """The auction row, locked: what a bid changes (services.place_bid)."""
    return lock_row(Auction, "r.id = %s", [pk])


# Reads on a bid's path (every API write authenticates first).


def token(key: str):
    """DRF's Token with this key and its user (`token.user`), or None: what
    TokenAuthentication's select_related("user").get(key=key) answers, in one SELECT."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    row = fetch_one(
        f"SELECT {columns(Token, 't')}, {columns(user_model, 'u')}"  # noqa: S608 -- names from Model._meta; the key is a parameter
        f" FROM {Token._meta.db_table} t JOIN {user_model._meta.db_table} u ON u.id = t.user_id"
        " WHERE t.key = %s",
        [key],
    )
    if row is None:
        return None
    split = len(stored_fields(Token))
    found = instance(Token, stored_fields(Token), row[:split])
    found.user = instance(user_model, stored_fields(user_model), row[split:])
    return found


def bidder_number(auction_id: int, bidder_id: int) -> int | None:
    """The bidder's alias number in the auction, or None before their first bid. Every bid of
    a bidder in one auction carries the same number: any one row will do (no ORDER BY)."""
    row = fetch_one(
        f"SELECT b.bidder_number FROM {Bid._meta.db_table} b"  # noqa: S608 -- as above
        " WHERE b.auction_id = %s AND b.bidder_id = %s LIMIT 1",
        [auction_id, bidder_id],
    )
    return row[0] if row else None


# Writes: insert() is the one way rows of the append-only and provider models are created
# (PaymentEvent, Notification, Bid, ClickTransaction, PaymeTransaction), update() the one
# way rows of the payment path's models change (AuctionPayment, Auction, Bid,
# ClickTransaction, PaymeTransaction). None of them has signals or its own save().


def insert(instance: models.Model) -> models.Model:
    """INSERT a new instance's row in one statement with every column named, as save()
    would (defaults and auto_now_add applied by the documented Field.pre_save and
    get_db_prep_save), and return it as saved (Model.from_db), its id from RETURNING."""
    model = type(instance)
    fields = [field for field in stored_fields(model) if not field.primary_key]
    values = [field.pre_save(instance, True) for field in fields]
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]
    row = fetch_one(_insert_statement(model), params)
    primary_key = model._meta.pk
    return model.from_db(
        connection.alias,
        [primary_key.attname, *(field.attname for field in fields)],
        [row[0], *values],
    )


@functools.cache
def _insert_statement(model) -> str:
    fields = [field for field in stored_fields(model) if not field.primary_key]
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(f.column for f in fields)})"  # noqa: S608 -- names from Model._meta; values are parameters
        f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {model._meta.pk.column}"
    )


def update(instance: models.Model, names: list[str]) -> None:
    """UPDATE the named fields of a saved instance's row in one statement, as
    save(update_fields=names) would (auto_now applied by the documented Field.pre_save,
    values by get_db_prep_save), for about a third of its cost. Raises DatabaseError when
    no row has the instance's id, as save(update_fields=...) does."""
    model = type(instance)
    fields = [model._meta.get_field(name) for name in names]
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_update_statement(model, tuple(names)), [*params, instance.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{model.__name__} {instance.pk}: no row updated")


@functools.cache
def _update_statement(model, names: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{model._meta.get_field(name).column} = %s" for name in names)
    return (
        f"UPDATE {model._meta.db_table} SET {assignments}"  # noqa: S608 -- names from Model._meta; values are parameters
        f" WHERE {model._meta.pk.column} = %s"
    )
