"""Seed the benchmark database fast: INSERT ... SELECT over generate_series, in PostgreSQL.

One statement per table writes all its rows server-side (no Python row objects, no
round trip per row): 1,000,000 payments with their auctions, listings and audit events
take seconds. Columns the benchmark does not care about get the model field's default,
read from the model, so a new column with a default does not break the seeder.
"""

import secrets
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection

PROVIDERS = ("click", "payme")
BIDDERS = 50
# The hot auction's bids go up in steps of 0.01 sum: the Lua script sends the clock.
HOT_STARTING_PRICE = "1.00"
HOT_MIN_INCREMENT = "0.01"


def model(label: str):
    return apps.get_model(label)


def _table(label: str) -> str:
    return model(label)._meta.db_table


def insert_series(label: str, count: int, expressions: dict[str, str | tuple]) -> int:
    """Insert `count` rows into `label`'s table, ids from max(id)+1; return the first id.

    `expressions` maps column names to SQL over `i` (1..count) and `pk` (the new id), or
    to (SQL with %s, [parameters]); every other concrete column gets its field's default
    (an error if it has none).
    """
    table_model = model(label)
    table = table_model._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quote(table)}")  # noqa: S608
        first_id = cursor.fetchone()[0] + 1
        columns, values, parameters = [], [], []
        for field in table_model._meta.concrete_fields:
            column = field.column
            columns.append(quote(column))
            if field.primary_key:
                values.append("pk")
            elif column in expressions:
                expression = expressions[column]
                if isinstance(expression, tuple):
                    expression, expression_parameters = expression
                    parameters.extend(expression_parameters)
                values.append(expression)
            else:
                default = field.get_default()
                if default is None and not field.null:
                    raise ValueError(f"{table}.{column}: no seed expression and no default")
                values.append("%s")
                parameters.append(field.get_db_prep_save(default, connection))
        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(columns)}) "  # noqa: S608 -- our names
            f"SELECT {', '.join(values)} FROM ("
            f"SELECT s.i AS i, s.i + %s - 1 AS pk FROM generate_series(1, %s) AS s(i)) AS g"
        )
        cursor.execute(sql, [*parameters, first_id, count])
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
            [table, first_id + count - 1],
        )
    return first_id


@dataclass
class Seeded:
    payments: int
    hot_auction_id: int
    bidder_tokens: list[str]
    fee_text: str


def reset() -> None:
    """Empty every table of the project (keep migrations, content types, permissions)."""
    keep = {"django_migrations", "django_content_type", "auth_permission"}
    tables = [name for name in connection.introspection.django_table_names() if name not in keep]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {', '.join(quote(name) for name in tables)} RESTART IDENTITY CASCADE"
        )


def seed_users(prefix: str, count: int) -> int:
    return insert_series(
        "auctions.User",
        count,
        {
            "username": f"'bench_{prefix}_' || pk",
            "password": "'!'",  # an unusable password: nobody signs in as these users
            "date_joined": "now()",
        },
    )


def seed_payments(*, count: int, provider: str, status: str, seller_ids: range, salt: str) -> int:
    """`count` payments, each on its own auction and listing; return the first payment id.

    Pending payments sit on unpaid auctions starting tomorrow; completed ones on paid,
    scheduled auctions, each with its one PaymentEvent (pending -> completed).
    """
    sellers = f"({seller_ids.start} + mod(i, {len(seller_ids)}))"
    first_listing = insert_series(
        "auctions.Listing",
        count,
        {
            "owner_id": sellers,
            "title": "'Bench apartment ' || pk",
            "address": "'Tashkent, Chilonzor 9'",
            "rooms": "1 + mod(i, 4)",
            "area": "54.50",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )
    paid = status == "completed"
    first_auction = insert_series(
        "auctions.Auction",
        count,
        {
            "listing_id": f"({first_listing} + i - 1)",
            "seller_id": sellers,
            "starting_price": "500000000.00",
            "min_increment": "1000000.00",
            "start_time": "now() + interval '1 day'",
            "end_time": "now() + interval '8 days'",
            "status": "'scheduled'" if paid else "'pending_payment'",
            "is_paid": "true" if paid else "false",
            "paid_at": "now()" if paid else "NULL",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )
    first_payment = insert_series(
        "auctions.AuctionPayment",
        count,
        {
            "auction_id": f"({first_auction} + i - 1)",
            "provider": ("%s", [provider]),
            # md5 hex upper-cased is 0-9A-F: inside the AUCTION_[0-9A-Z]{20} alphabet.
            "merchant_trans_id": ("'AUCTION_' || upper(substr(md5(%s || pk), 1, 20))", [salt]),
            "amount": ("%s::numeric", [str(settings.AUCTION_LISTING_FEE)]),
            "currency": "'UZS'",
            "status": ("%s", [status]),
            "created_at": "now()",
            "updated_at": "now()",
            "completed_at": "now()" if paid else "NULL",
        },
    )
    if paid:
        event = model("auctions.PaymentEvent")._meta.db_table
        payment = _table("auctions.AuctionPayment")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {event} (payment_id, from_status, to_status, cause, reference,"  # noqa: S608
                f" created_at) SELECT id, 'pending', 'completed', 'bench-seed', '{{}}', now()"
                f" FROM {payment} WHERE id >= %s",
                [first_payment],
            )
    return first_payment


def seed(payments: int, *, completed_share: float = 0.2) -> Seeded:
    """Reset and seed: `payments` AuctionPayments, most pending, plus the hot auction."""
    reset()
    salt = secrets.token_hex(4)
    sellers = max(10, payments // 100)
    first_seller = seed_users("seller", sellers)
    seller_ids = range(first_seller, first_seller + sellers)
    first_bidder = seed_users("bidder", BIDDERS)
    tokens = _seed_tokens(first_bidder, BIDDERS, salt)

    hot_payment = seed_payments(
        count=1, provider="click", status="completed", seller_ids=seller_ids, salt=salt
    )
    hot_auction_id = _make_hot(hot_payment)
    rest = payments - 1
    completed = int(rest * completed_share)
    pending = rest - completed
    for index, provider in enumerate(PROVIDERS):
        share = pending // 2 + (pending % 2 if index == 0 else 0)
        seed_payments(
            count=share, provider=provider, status="pending", seller_ids=seller_ids, salt=salt
        )
        share = completed // 2 + (completed % 2 if index == 0 else 0)
        if share:
            seed_payments(
                count=share, provider=provider, status="completed", seller_ids=seller_ids, salt=salt
            )
    vacuum()
    return Seeded(
        payments=payments,
        hot_auction_id=hot_auction_id,
        bidder_tokens=tokens,
        fee_text=str(settings.AUCTION_LISTING_FEE),
    )


def top_up(provider: str, count: int) -> None:
    """Add `count` fresh pending payments of `provider` (when a pair scenario needs more)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {_table('auctions.User')}")  # noqa: S608
        low, _high = cursor.fetchone()
    seed_payments(
        count=count,
        provider=provider,
        status="pending",
        seller_ids=range(low, low + 10),
        salt=secrets.token_hex(4),
    )
    analyze()


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def vacuum() -> None:
    """VACUUM ANALYZE after the bulk seed, so that autovacuum does not start on the fresh
    rows (1,000,000 of them at the largest size) while the scenarios are measured."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _seed_tokens(first_user: int, count: int, salt: str) -> list[str]:
    token = _table("authtoken.Token")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {token} (key, user_id, created) SELECT md5(%s || u), u, now()"  # noqa: S608
            " FROM generate_series(%s, %s) AS u ORDER BY u RETURNING key",
            [salt, first_user, first_user + count - 1],
        )
        return [row[0] for row in cursor.fetchall()]


def _make_hot(payment_id: int) -> int:
    """Turn the auction of a completed payment into the active one the bidders hit."""
    auction = _table("auctions.Auction")
    payment = _table("auctions.AuctionPayment")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {auction} SET status = 'active', start_time = now() - interval '1 hour',"  # noqa: S608
            " end_time = now() + interval '2 days', starting_price = %s, min_increment = %s"
            f" WHERE id = (SELECT auction_id FROM {payment} WHERE id = %s) RETURNING id",
            [HOT_STARTING_PRICE, HOT_MIN_INCREMENT, payment_id],
        )
        return cursor.fetchone()[0]


def fresh_payment_ids(provider: str) -> list[str]:
    """Every pending payment of `provider`, oldest first."""
    payment = _table("auctions.AuctionPayment")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT merchant_trans_id FROM {payment} WHERE provider = %s"  # noqa: S608
            " AND status = 'pending' ORDER BY id",
            [provider],
        )
        return [row[0] for row in cursor.fetchall()]
