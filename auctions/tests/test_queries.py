"""auctions/queries.py holds the ORM's answer, on SQLite and on PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from auctions import queries
from auctions.models import AuctionPayment, AuctionStatus, Bid, PaymentStatus
from auctions.tests.factories import ActiveAuctionFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def every_column(instance) -> dict:
    fields = [f for f in type(instance)._meta.get_fields() if getattr(f, "concrete", False)]
    return {field.attname: getattr(instance, field.attname) for field in fields}


def a_payment_with_every_column_set() -> AuctionPayment:
    winner = UserFactory()
    auction = ActiveAuctionFactory(
        reserve_price=Decimal("70000.50"),
        current_price=Decimal("65000.25"),
        bid_count=3,
        bidder_count=2,
        leader=winner,
        winner=winner,
        final_price=Decimal("65000.25"),
    )
    payment = PaymentFactory(
        auction=auction,
        provider="payme",
        amount=Decimal("50000.07"),
        status=PaymentStatus.COMPLETED,
        needs_refund=True,
        note="flagged",
    )
    moment = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    AuctionPayment.objects.filter(pk=payment.pk).update(completed_at=moment, failed_at=moment)
    auction.is_paid, auction.paid_at, auction.status = True, moment, AuctionStatus.ACTIVE
    auction.save()
    return payment


@pytest.mark.parametrize("with_auction", [False, True])
@pytest.mark.parametrize("by", ["pk", "merchant_trans_id", "merchant_trans_id+provider"])
def test_lock_payment_equals_the_orms_answer(by, with_auction):
    payment = a_payment_with_every_column_set()
    PaymentFactory()  # another payment the look-up must not return
    lookup = {
        "pk": {"pk": payment.pk},
        "merchant_trans_id": {"merchant_trans_id": payment.merchant_trans_id},
        "merchant_trans_id+provider": {
            "merchant_trans_id": payment.merchant_trans_id,
            "provider": "payme",
        },
    }[by]

    with transaction.atomic():
        found = queries.lock_payment(with_auction=with_auction, **lookup)
        orm = AuctionPayment.objects.select_for_update().select_related("auction").get(**lookup)

    assert every_column(found) == every_column(orm)
    assert every_column(found.auction) == every_column(orm.auction)
    assert model_to_dict(found) == model_to_dict(orm)


def test_lock_payment_finds_nothing_for_another_provider_or_id():
    payment = PaymentFactory(provider="click")

    with transaction.atomic():
        assert (
            queries.lock_payment(
                with_auction=False, merchant_trans_id=payment.merchant_trans_id, provider="payme"
            )
            is None
        )
        assert queries.lock_payment(with_auction=True, pk=payment.pk + 1000) is None


def test_lock_payment_takes_only_the_lookups_it_writes_out():
    with pytest.raises(TypeError):
        queries.lock_payment(with_auction=False, status="pending")


def test_an_instance_from_the_lock_saves_like_an_orm_one():
    payment = a_payment_with_every_column_set()

    with transaction.atomic():
        found = queries.lock_payment(with_auction=True, pk=payment.pk)
        found.note = "changed"
        found.save(update_fields=["note", "updated_at"])
        found.auction.save(update_fields=["updated_at"])

    payment.refresh_from_db()
    assert payment.note == "changed"
    assert AuctionPayment.objects.count() == 1


def test_lock_auction_equals_the_orms_answer():
    auction = a_payment_with_every_column_set().auction

    with transaction.atomic():
        found = queries.lock_auction(auction.pk)
        orm = type(auction).objects.select_for_update().get(pk=auction.pk)

    assert every_column(found) == every_column(orm)
    with transaction.atomic():
        assert queries.lock_auction(auction.pk + 1000) is None


def test_token_equals_drfs_answer():
    from rest_framework.authtoken.models import Token

    user = UserFactory(phone="+998901112233", language="ru", is_staff=True)
    key = Token.objects.create(user=user).key
    Token.objects.create(user=UserFactory())

    found = queries.token(key)
    orm = Token.objects.select_related("user").get(key=key)

    assert every_column(found) == every_column(orm)
    assert every_column(found.user) == every_column(orm.user)
    assert queries.token("0" * 40) is None


def test_bidder_number_equals_the_orms_answer():
    from auctions.tests.factories import BidFactory

    auction = ActiveAuctionFactory(is_paid=True, status=AuctionStatus.ACTIVE)
    bid = BidFactory(auction=auction, bidder_number=3)
    BidFactory(auction=auction, bidder=bid.bidder, bidder_number=3, amount=bid.amount + 1)
    other = BidFactory(auction=auction, bidder_number=4, amount=bid.amount + 2)

    for bidder in (bid.bidder, other.bidder):
        orm = Bid.objects.filter(auction=auction, bidder=bidder).first()
        assert queries.bidder_number(auction.pk, bidder.pk) == orm.bidder_number
    assert queries.bidder_number(auction.pk, UserFactory().pk) is None


@pytest.mark.parametrize("model_name", ["PaymentEvent", "Notification", "Bid"])
def test_insert_stores_what_create_stores(model_name):
    from auctions import models

    payment = a_payment_with_every_column_set()
    model = getattr(models, model_name)
    values = {
        "PaymentEvent": {
            "payment": payment,
            "from_status": "pending",
            "to_status": "completed",
            "cause": "click",
            "reference": {"click_trans_id": 1, "note": "ü\n"},
        },
        "Notification": {"event": "bid_placed", "arguments": [7, None, True]},
        "Bid": {
            "auction": payment.auction,
            "bidder": UserFactory(),
            "amount": Decimal("123456789012.34"),
            "bidder_number": 5,
            "idempotency_key": "k-1",
        },
    }[model_name]
    fixed = {"created_at": datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)}

    inserted = queries.insert(model(**values, **fixed))
    # Bids are unique per auction by amount and key: the ORM's twin differs in those.
    unique = {"idempotency_key": "k-2", "amount": Decimal("1.00")} if model is models.Bid else {}
    created = model.objects.create(**(values | unique), **fixed)

    stored = every_column(model.objects.get(pk=inserted.pk))
    assert stored == every_column(inserted)
    other = every_column(model.objects.get(pk=created.pk))
    differ = {"id", *unique}
    assert {k: v for k, v in stored.items() if k not in differ} == {
        k: v for k, v in other.items() if k not in differ
    }


@pytest.mark.parametrize("model_name", ["AuctionPayment", "Auction"])
def test_update_stores_what_save_with_update_fields_stores(model_name):
    # given: two rows, one changed by save(update_fields=...), the other by update()
    moment = datetime.datetime(2026, 4, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    changes = {
        "AuctionPayment": {"status": "refunded", "refunded_at": moment, "note": "ü\n'; --"},
        "Auction": {"current_price": Decimal("999999999999.99"), "leader": None, "paid_at": None},
    }[model_name]
    payments = a_payment_with_every_column_set(), a_payment_with_every_column_set()
    rows = payments if model_name == "AuctionPayment" else [p.auction for p in payments]
    before = [every_column(type(row).objects.get(pk=row.pk)) for row in rows]

    # when
    for row in rows:
        for name, value in changes.items():
            setattr(row, name, value)
    rows[0].save(update_fields=[*changes, "updated_at"])
    queries.update(rows[1], [*changes, "updated_at"])

    # then: each row holds its old columns with the changes, and a later updated_at
    model = type(rows[0])
    changed = {model._meta.get_field(name).attname: value for name, value in changes.items()}
    for row, old in zip(rows, before, strict=True):
        stored = every_column(model.objects.get(pk=row.pk))
        assert stored == old | changed | {"updated_at": stored["updated_at"]}
        assert stored["updated_at"] == row.updated_at > old["updated_at"]


def test_update_touches_only_the_named_fields_and_refuses_a_missing_row():
    from django.db import DatabaseError

    payment = a_payment_with_every_column_set()
    payment.note, payment.status = "only this", "failed"

    queries.update(payment, ["note"])

    stored = AuctionPayment.objects.get(pk=payment.pk)
    assert (stored.note, stored.status) == ("only this", PaymentStatus.COMPLETED)
    payment.pk += 1000
    with pytest.raises(DatabaseError):
        queries.update(payment, ["note"])
