"""CompiledQuery returns what the queryset it was built from returns, on SQLite and PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auctions import compiled, payment_flow
from auctions.compiled import CompiledQuery
from auctions.models import AuctionPayment, PaymentEvent
from auctions.tests.factories import PaymentFactory
from payments_click.models import ClickTransaction

pytestmark = pytest.mark.django_db

WITH_AUCTION = CompiledQuery(
    lambda **values: AuctionPayment.objects.select_related("auction").order_by().filter(**values),
    merchant_trans_id=str,
)


def fields(instance, names):
    return {name: getattr(instance, name) for name in names}


def test_a_row_with_its_related_row_equals_the_querysets():
    payment = PaymentFactory(amount=Decimal("50000.00"))

    compiled = WITH_AUCTION.get(merchant_trans_id=payment.merchant_trans_id)
    plain = AuctionPayment.objects.select_related("auction").get(pk=payment.pk)

    names = [field.attname for field in AuctionPayment._meta.concrete_fields]
    assert fields(compiled, names) == fields(plain, names)
    auction_names = [field.attname for field in plain.auction._meta.concrete_fields]
    assert fields(compiled.auction, auction_names) == fields(plain.auction, auction_names)
    # Converted as the ORM converts them (SQLite returns text and floats without converters).
    assert compiled.amount == Decimal("50000.00") and isinstance(compiled.amount, Decimal)
    assert compiled.created_at == plain.created_at and compiled.created_at.tzinfo is not None
    assert compiled._state.adding is False and compiled._state.db == "default"


def test_the_sql_is_the_querysets_and_runs_once_per_call():
    payment = PaymentFactory()
    queryset = AuctionPayment.objects.select_related("auction").order_by()
    expected, _ = queryset.filter(
        merchant_trans_id=payment.merchant_trans_id
    ).query.sql_with_params()

    with CaptureQueriesContext(connection) as queries:
        WITH_AUCTION.get(merchant_trans_id=payment.merchant_trans_id)
        WITH_AUCTION.get(merchant_trans_id=payment.merchant_trans_id)

    assert len(queries) == 2
    # Same text up to the placeholders (the captured SQL has the value inlined).
    head = expected.split("WHERE")[0]
    assert all(compiled.sql_of(query["sql"]).startswith(head) for query in queries.captured_queries)


def test_deferred_columns_stay_deferred_and_load_on_access():
    payment = PaymentFactory()
    narrow = CompiledQuery(
        lambda pk: AuctionPayment.objects.only("status").order_by().filter(pk=pk), pk=int
    )

    row = narrow.get(pk=payment.pk)

    assert row.get_deferred_fields() >= {"amount", "merchant_trans_id"}
    assert row.status == payment.status
    assert row.amount == payment.amount  # one more query, as with .only()


def test_missing_and_duplicate_rows_raise_as_get_does():
    first, second = PaymentFactory(), PaymentFactory()
    either = CompiledQuery(
        lambda a, b: AuctionPayment.objects.order_by().filter(Q(pk=a) | Q(pk=b)), a=int, b=int
    )

    with pytest.raises(AuctionPayment.DoesNotExist):
        WITH_AUCTION.get(merchant_trans_id="AUCTION_NOPE")
    with pytest.raises(AuctionPayment.MultipleObjectsReturned):
        either.get(a=first.pk, b=second.pk)
    assert {row.pk for row in either.all(a=first.pk, b=second.pk)} == {first.pk, second.pk}
    assert either.all(a=-1, b=-2) == []


def test_constants_stay_constants_and_values_take_their_places():
    payment = PaymentFactory(status="pending")
    pending = CompiledQuery(
        lambda pk: AuctionPayment.objects.order_by().filter(pk=pk, status="pending"), pk=int
    )

    assert pending.get(pk=payment.pk).pk == payment.pk
    AuctionPayment.objects.filter(pk=payment.pk).update(status="processing")
    with pytest.raises(AuctionPayment.DoesNotExist):
        pending.get(pk=payment.pk)


def test_values_of_another_type_or_missing_are_refused():
    with pytest.raises(TypeError):
        WITH_AUCTION.get(merchant_trans_id=5)
    with pytest.raises(TypeError):
        WITH_AUCTION.get()
    with pytest.raises(TypeError):
        CompiledQuery(lambda when: AuctionPayment.objects.filter(created_at=when), when=float)


def test_a_value_the_query_does_not_use_is_refused_when_compiled():
    unused = CompiledQuery(
        lambda pk, other: AuctionPayment.objects.filter(pk=pk), pk=int, other=int
    )

    with pytest.raises(ValueError, match="once"):
        unused.get(pk=1, other=2)


def test_json_columns_come_back_as_python_values():
    payment = PaymentFactory(status="pending")
    payment_flow.mark_processing(payment.pk, cause="test", reference={"id": 7, "n": [1, 2]})
    events = CompiledQuery(
        lambda payment_id: PaymentEvent.objects.order_by("id").filter(payment_id=payment_id),
        payment_id=int,
    )

    (event,) = events.all(payment_id=payment.pk)

    assert event.reference == {"id": 7, "n": [1, 2]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locking_query_sends_for_update():
    payment = PaymentFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        payment_flow.lock_payment(pk=payment.pk, with_auction=True)

    logged = queries.captured_queries[-1]["sql"]
    assert logged.startswith("EXECUTE kv_")  # prepared once per connection
    assert compiled.sql_of(logged).endswith(
        'FOR UPDATE OF "auctions_auctionpayment", "auctions_auction"'
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name = %s",
            [logged.split()[1].split("(")[0]],
        )
        (prepared,) = cursor.fetchone()
    assert prepared.endswith('FOR UPDATE OF "auctions_auctionpayment", "auctions_auction"')


def event_fields(payment, reference):
    return {
        "payment": payment,
        "from_status": "pending",
        "to_status": "processing",
        "cause": "test",
        "reference": reference,
    }


def test_insert_writes_what_create_writes():
    payment = PaymentFactory()
    before = timezone.now()

    event = compiled.insert(PaymentEvent, **event_fields(payment, {"id": 1}))
    twin = PaymentEvent.objects.create(**event_fields(payment, {"id": 1}))

    stored = PaymentEvent.objects.get(pk=event.pk)
    assert event.pk is not None and event.pk != twin.pk and event._state.adding is False
    names = ["payment_id", "from_status", "to_status", "cause", "reference"]
    assert fields(stored, names) == fields(twin, names)
    assert stored.created_at >= before  # the field's default applied


def test_insert_fills_auto_now_add_and_defaults():
    payment = PaymentFactory()

    row = compiled.insert(
        ClickTransaction,
        click_trans_id=77,
        click_paydoc_id=78,
        payment=payment,
        amount=Decimal("50000.00"),
        action=0,
        sign_time="2025-01-15 10:30:00",
        status="prepared",
    )

    stored = ClickTransaction.objects.get(pk=row.pk)
    assert stored.created_at is not None and stored.updated_at is not None
    assert (stored.error, stored.error_note, stored.amount) == (0, "", Decimal("50000.00"))


def test_update_writes_only_the_named_fields_and_refreshes_auto_now():
    payment = PaymentFactory(status="pending", note="kept")
    stale_stamp = payment.updated_at
    payment.status = "processing"
    payment.note = "not saved"

    compiled.update(payment, ["status", "updated_at"])

    stored = AuctionPayment.objects.get(pk=payment.pk)
    assert stored.status == "processing"
    assert stored.note == "kept"
    assert stored.updated_at > stale_stamp


def test_update_of_a_missing_row_raises():
    payment = PaymentFactory()
    AuctionPayment.objects.filter(pk=payment.pk).update(merchant_trans_id="AUCTION_GONE")
    payment.pk = payment.pk + 1000

    with pytest.raises(DatabaseError):
        compiled.update(payment, ["status"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_its_statements_again():
    payment = PaymentFactory()
    WITH_AUCTION.get(merchant_trans_id=payment.merchant_trans_id)

    connection.close()  # e.g. CONN_MAX_AGE or a failed health check

    again = WITH_AUCTION.get(merchant_trans_id=payment.merchant_trans_id)
    assert again.pk == payment.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_in_a_rolled_back_transaction_still_runs():
    payment = PaymentFactory()
    lookup = CompiledQuery(
        lambda pk: AuctionPayment.objects.order_by().filter(pk=pk, note="rolled back"), pk=int
    )
    with pytest.raises(AuctionPayment.DoesNotExist), transaction.atomic():
        lookup.get(pk=payment.pk)

    AuctionPayment.objects.filter(pk=payment.pk).update(note="rolled back")
    assert lookup.get(pk=payment.pk).pk == payment.pk


def test_values_with_quotes_percent_signs_and_json_round_trip():
    payment = PaymentFactory(status="pending")
    payment.note = "50% off; it's \\ 'quoted' %s"
    compiled.update(payment, ["note"])
    event = compiled.insert(PaymentEvent, **event_fields(payment, {"text": "a'b\"c%", "n": None}))

    assert AuctionPayment.objects.get(pk=payment.pk).note == payment.note
    assert PaymentEvent.objects.get(pk=event.pk).reference == {"text": "a'b\"c%", "n": None}


@pytest.mark.postgres
def test_prepared_statements_can_be_turned_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    payment = PaymentFactory()

    with CaptureQueriesContext(connection) as queries:
        found = WITH_AUCTION.get(merchant_trans_id=payment.merchant_trans_id)

    assert found.pk == payment.pk
    assert queries.captured_queries[0]["sql"].startswith("SELECT")


def test_an_integer_no_column_can_hold_matches_nothing():
    by_pk = CompiledQuery(lambda pk: AuctionPayment.objects.order_by().filter(pk=pk), pk=int)

    assert by_pk.all(pk=2**63) == []
    with pytest.raises(AuctionPayment.DoesNotExist):
        by_pk.get(pk=-(2**63) - 1)
