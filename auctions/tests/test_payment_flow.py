"""The state machine: every legal transition, every illegal one, and the audit trail."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from auctions import payment_flow
from auctions.models import AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.factories import ActiveAuctionFactory, BidFactory, PaymentFactory

# As production runs it: each transition commits, no test-wide transaction makes every
# lock look held (issue 11 item 7).
pytestmark = pytest.mark.django_db(transaction=True)

ALL = [s.value for s in Status]
MOVES = {
    Status.PROCESSING: payment_flow.mark_processing,
    Status.COMPLETED: payment_flow.complete_payment,
    Status.FAILED: payment_flow.fail_payment,
    Status.CANCELLED: payment_flow.cancel_payment,
    Status.REFUNDED: payment_flow.refund_payment,
}
LEGAL = {
    (Status.PENDING, Status.PROCESSING),
    (Status.PENDING, Status.COMPLETED),
    (Status.PENDING, Status.FAILED),
    (Status.PENDING, Status.CANCELLED),
    (Status.PROCESSING, Status.COMPLETED),
    (Status.PROCESSING, Status.FAILED),
    (Status.PROCESSING, Status.CANCELLED),
    (Status.COMPLETED, Status.REFUNDED),
}


def payment_in(status):
    payment = PaymentFactory(status=status)
    if status in (Status.COMPLETED, Status.REFUNDED):
        payment.auction.is_paid = status == Status.COMPLETED
        payment.auction.status = (
            AuctionStatus.SCHEDULED if status == Status.COMPLETED else AuctionStatus.PENDING_PAYMENT
        )
        payment.auction.save()
    return payment


@pytest.mark.parametrize(("source", "target"), sorted(LEGAL))
def test_legal_transition_moves_and_audits(source, target):
    payment = payment_in(source)

    moved = MOVES[target](payment.pk, cause="test", reference={"ref": "1"})

    payment.refresh_from_db()
    assert moved.status == payment.status == target
    event = PaymentEvent.objects.get(payment=payment)
    assert (event.from_status, event.to_status, event.cause) == (source, target, "test")
    assert event.reference == {"ref": "1"}


@pytest.mark.parametrize(
    ("source", "target"),
    sorted((s, t) for s in ALL for t in MOVES if (s, t) not in LEGAL and s != t),
)
def test_illegal_transition_raises_and_changes_nothing(source, target):
    payment = payment_in(source)

    with pytest.raises(payment_flow.IllegalTransition):
        MOVES[target](payment.pk, cause="test")

    payment.refresh_from_db()
    assert payment.status == source
    assert not PaymentEvent.objects.filter(payment=payment).exists()


@pytest.mark.parametrize("target", list(MOVES))
def test_repeated_transition_is_a_no_op(target):
    source = Status.COMPLETED if target == Status.REFUNDED else Status.PENDING
    payment = payment_in(source)
    MOVES[target](payment.pk, cause="test")

    MOVES[target](payment.pk, cause="test")

    assert PaymentEvent.objects.filter(payment=payment, to_status=target).count() == 1


def test_completion_marks_the_auction_paid_and_scheduled():
    payment = PaymentFactory()

    payment_flow.complete_payment(payment.pk, cause="click")

    payment.refresh_from_db()
    auction = payment.auction
    auction.refresh_from_db()
    assert payment.completed_at is not None
    assert auction.is_paid
    assert auction.status == AuctionStatus.SCHEDULED
    assert auction.paid_at == payment.completed_at


def test_completion_after_start_time_makes_the_auction_active():
    auction = ActiveAuctionFactory(is_paid=False, status=AuctionStatus.PENDING_PAYMENT)
    payment = PaymentFactory(auction=auction)

    payment_flow.complete_payment(payment.pk, cause="payme")

    auction.refresh_from_db()
    assert (auction.is_paid, auction.status) == (True, AuctionStatus.ACTIVE)


def test_second_payment_of_a_paid_auction_is_refused_and_left_alone():
    first = PaymentFactory()
    second = PaymentFactory(auction=first.auction, provider="payme")
    payment_flow.complete_payment(first.pk, cause="click")

    with pytest.raises(payment_flow.AlreadyPaid):
        payment_flow.complete_payment(second.pk, cause="payme")

    second.refresh_from_db()
    assert second.status == Status.PENDING
    assert not second.events.exists()


def test_refund_puts_the_auction_back_to_pending_payment():
    payment = payment_in(Status.PENDING)
    payment_flow.complete_payment(payment.pk, cause="payme")

    payment_flow.refund_payment(payment.pk, cause="payme")

    payment.auction.refresh_from_db()
    assert (payment.auction.is_paid, payment.auction.status) == (
        False,
        AuctionStatus.PENDING_PAYMENT,
    )


def test_refund_is_refused_once_the_auction_has_bids():
    auction = ActiveAuctionFactory(is_paid=False, status=AuctionStatus.PENDING_PAYMENT)
    payment = PaymentFactory(auction=auction)
    payment_flow.complete_payment(payment.pk, cause="payme")
    BidFactory(auction=auction)

    with pytest.raises(payment_flow.RefundRefused):
        payment_flow.refund_payment(payment.pk, cause="payme")

    payment.refresh_from_db()
    auction.refresh_from_db()
    assert (payment.status, auction.is_paid) == (Status.COMPLETED, True)


def test_refund_is_refused_after_the_auction_ended():
    payment = payment_in(Status.PENDING)
    payment_flow.complete_payment(payment.pk, cause="payme")
    auction = payment.auction
    auction.refresh_from_db()
    auction.start_time = auction.start_time.replace(year=2020)
    auction.end_time = auction.end_time.replace(year=2020)
    auction.save()

    with pytest.raises(payment_flow.RefundRefused):
        payment_flow.refund_payment(payment.pk, cause="payme")

    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED


def test_audit_rows_are_append_only():
    payment = PaymentFactory()
    payment_flow.mark_processing(payment.pk, cause="click")
    event = payment.events.get()

    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_a_payment_locked_with_its_auction_completes_without_more_lock_queries(
    django_assert_num_queries,
):
    payment = PaymentFactory()

    with payment_flow.atomic(savepoint=False):
        locked = payment_flow.lock_payment(pk=payment.pk, with_auction=True)
        # UPDATE payment, INSERT event, UPDATE auction, the "fee paid" outbox row: no
        # savepoint, no auction SELECT.
        with django_assert_num_queries(4):
            payment_flow.complete_payment(locked, cause="test")

    payment.auction.refresh_from_db()
    assert payment.auction.is_paid


def test_a_locked_payment_whose_block_has_exited_is_locked_again():
    payment = PaymentFactory()
    with payment_flow.atomic():
        stale = payment_flow.lock_payment(pk=payment.pk)

    # Its transaction is over: the transition opens its own and reads the row again.
    with CaptureQueriesContext(connection) as queries:
        payment_flow.mark_processing(stale, cause="test")

    statements = [q["sql"] for q in queries]
    rereads = [sql for sql in statements if sql.startswith("SELECT") and "auctionpayment" in sql]
    assert len(rereads) == 1
    assert not stale.held


def test_a_decorated_callers_earlier_lock_is_not_taken_for_a_held_one():
    """Issue 11 item 7: the same @transaction.atomic function, called again, is another
    transaction; a payment it locked in an earlier call is not locked any more."""
    payment = PaymentFactory()

    @transaction.atomic
    def in_one_transaction(step):
        return step()

    earlier = in_one_transaction(lambda: payment_flow.lock_payment(pk=payment.pk))
    payment_flow.complete_payment(payment.pk, cause="click")  # meanwhile, elsewhere

    with pytest.raises(payment_flow.IllegalTransition):
        in_one_transaction(lambda: payment_flow.cancel_payment(earlier, cause="stale"))

    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert list(payment.events.values_list("to_status", flat=True)) == [Status.COMPLETED]


def test_a_payment_flow_atomic_decorator_opens_a_new_block_on_every_call():
    payment = PaymentFactory()

    @payment_flow.atomic()
    def in_one_block(step):
        return step()

    earlier = in_one_block(lambda: payment_flow.lock_payment(pk=payment.pk))
    payment_flow.complete_payment(payment.pk, cause="click")

    with pytest.raises(payment_flow.IllegalTransition):
        in_one_block(lambda: payment_flow.cancel_payment(earlier, cause="stale"))

    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED


def test_a_locked_payment_is_held_only_inside_its_block():
    payment = PaymentFactory()

    with payment_flow.atomic():
        locked = payment_flow.lock_payment(pk=payment.pk)
        with payment_flow.atomic():
            assert locked.held  # an inner block keeps the outer one's locks
        assert locked.held
    assert not locked.held
    with transaction.atomic():
        unscoped = payment_flow.lock_payment(pk=payment.pk)
        assert not unscoped.held  # outside payment_flow.atomic(): never trusted


def test_only_lock_payment_makes_a_locked_payment():
    payment = PaymentFactory()

    with pytest.raises(TypeError, match="only payment_flow.lock_payment"):
        payment_flow.LockedPayment(payment)


def test_lock_payment_needs_a_transaction():
    payment = PaymentFactory()

    with pytest.raises(TransactionManagementError):
        payment_flow.lock_payment(pk=payment.pk)
