"""Complete (action 1): payment completed and auction paid once, failures, refusals (1.6, 1.7)."""

import datetime
import json

import pytest
from django.db import connection
from django.utils import timezone

from auctions import payment_flow
from auctions.models import AuctionPayment, AuctionStatus, PaymentEvent, PaymentStatus
from auctions.tests.factories import PaymentFactory
from payments_click.models import ClickTransaction, ClickTransactionStatus

pytestmark = pytest.mark.django_db


def assert_completed_and_paid(payment: AuctionPayment, auction_status: str) -> None:
    payment.refresh_from_db()
    auction = payment.auction
    auction.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert payment.completed_at is not None
    assert (auction.is_paid, auction.status) == (True, auction_status)
    assert auction.paid_at == payment.completed_at
    assert payment.events.filter(to_status="completed").count() == 1


def test_prepare_then_complete_pays_the_auction_on_both_url_sets(click_any_url, payment):
    prepared = click_any_url.prepare(payment, click_trans_id="2001", click_paydoc_id="3001")

    completed = click_any_url.complete(
        payment, prepared["merchant_prepare_id"], click_trans_id="2001", click_paydoc_id="3001"
    )

    row = ClickTransaction.objects.get()
    assert completed == {
        "click_trans_id": 2001,
        "merchant_trans_id": payment.merchant_trans_id,
        "merchant_confirm_id": row.pk,
        "error": 0,
        "error_note": "Success",
    }
    assert prepared["merchant_prepare_id"] == row.pk
    assert (row.status, row.action, row.error) == (ClickTransactionStatus.COMPLETED, 1, 0)
    assert row.sign_time == "2025-01-15 10:30:05"
    assert_completed_and_paid(payment, AuctionStatus.SCHEDULED)
    event = payment.events.get(to_status="completed")
    assert (event.cause, event.reference["merchant_confirm_id"]) == ("click", row.pk)
    assert row.completed_at == payment.completed_at


def test_an_auction_whose_start_has_passed_becomes_active(click, make_payment, auction):
    auction.start_time = timezone.now() - datetime.timedelta(minutes=5)
    auction.save()
    payment = make_payment("click")

    prepared, completed = click.pay(payment, amount="50000.00")

    assert (prepared["error"], completed["error"]) == (0, 0)
    assert_completed_and_paid(payment, AuctionStatus.ACTIVE)


def test_json_bodies_with_numbers_complete_too(client, click, payment):
    prepared = click.prepare(payment)
    fields = click.fields(
        payment,
        "1",
        click_trans_id=str(prepared["click_trans_id"]),
        merchant_prepare_id=str(prepared["merchant_prepare_id"]),
        amount="50000.00",
    )
    # Click's numbers as JSON numbers: their literal text ("50000.00") is what was signed.
    body = json.dumps(fields)
    for name in ("click_trans_id", "service_id", "click_paydoc_id", "action", "error"):
        body = body.replace(f'"{name}": "{fields[name]}"', f'"{name}": {fields[name]}')
    body = body.replace('"amount": "50000.00"', '"amount": 50000.00')
    assert '"amount": 50000.00' in body

    response = client.post("/api/payments/click/complete/", body, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["error"] == 0
    assert_completed_and_paid(payment, AuctionStatus.SCHEDULED)


def test_repeated_complete_is_already_paid_and_changes_nothing(click, payment):
    prepared = click.prepare(payment)
    first = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
    payment.refresh_from_db()
    completed_at = payment.completed_at

    second = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)

    assert (first["error"], second["error"]) == (0, -4)  # Click's docs: "Already paid"
    assert second["error_note"] == "Already paid"
    assert second["merchant_confirm_id"] == first["merchant_confirm_id"]  # the known row
    payment.refresh_from_db()
    assert payment.completed_at == completed_at
    assert payment.events.filter(to_status="completed").count() == 1
    assert not payment.needs_refund


def test_click_error_fails_the_payment_and_later_callbacks_are_cancelled(click, payment):
    prepared = click.prepare(payment)

    failed = click.complete(
        payment,
        prepared["merchant_prepare_id"],
        prepared=prepared,
        error="-5017",
        error_note="Insufficient funds",
    )

    assert (failed["error"], failed["error_note"]) == (-9, "Transaction cancelled")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    event = payment.events.get(to_status="failed")
    assert (event.cause, event.reference["error"]) == ("click", -5017)
    row = ClickTransaction.objects.get()
    assert (row.status, row.error, row.error_note) == ("failed", -5017, "Insufficient funds")
    # Every later callback for it: -9, no change.
    again = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
    new_attempt = click.prepare(payment)
    assert (again["error"], new_attempt["error"]) == (-9, -9)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert ClickTransaction.objects.count() == 1
    assert not payment.auction.is_paid


def test_click_error_never_undoes_a_completed_payment(click, payment):
    prepared, _ = click.pay(payment)

    answer = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared, error="-1")

    assert answer["error"] == -4
    assert_completed_and_paid(payment, AuctionStatus.SCHEDULED)
    assert ClickTransaction.objects.get().status == ClickTransactionStatus.COMPLETED


def test_unknown_prepare_id_is_transaction_does_not_exist(click, payment):
    prepared = click.prepare(payment)

    answer = click.complete(payment, prepared["merchant_prepare_id"] + 1000, prepared=prepared)

    assert (answer["error"], answer["error_note"]) == (-6, "Transaction does not exist")
    assert answer["merchant_confirm_id"] is None
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING


def test_prepare_id_with_another_click_trans_id_is_transaction_does_not_exist(click, payment):
    prepared = click.prepare(payment)

    answer = click.complete(payment, prepared["merchant_prepare_id"], click_trans_id="999999")

    assert answer["error"] == -6
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING


def test_prepare_id_of_another_payment_is_transaction_does_not_exist(click, make_payment):
    mine, other = make_payment("click"), PaymentFactory(provider="click")
    click.prepare(mine)
    theirs = click.prepare(other)

    answer = click.complete(mine, theirs["merchant_prepare_id"], prepared=theirs)

    assert answer["error"] == -6
    assert AuctionPayment.objects.filter(status="completed").count() == 0


def test_complete_without_prepare_is_transaction_does_not_exist(click, payment):
    answer = click.complete(payment, 1)

    assert answer["error"] == -6
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_unknown_payment_on_complete_is_user_does_not_exist(click, payment):
    prepared = click.prepare(payment)

    answer = click.complete(
        "AUCTION_00000000000000000000", prepared["merchant_prepare_id"], prepared=prepared
    )

    assert answer["error"] == -5


def test_wrong_amount_on_complete_is_incorrect_amount(click, payment):
    prepared = click.prepare(payment)

    answer = click.complete(
        payment, prepared["merchant_prepare_id"], prepared=prepared, amount="5000"
    )

    assert answer["error"] == -2
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING
    assert ClickTransaction.objects.get().status == ClickTransactionStatus.PREPARED


def test_prepare_action_on_the_complete_url_is_action_not_found(click, payment):
    prepared = click.prepare(payment)
    fields = click.fields(payment, "0", click_trans_id=str(prepared["click_trans_id"]))

    answer = click.post("complete", fields)

    assert (answer["error"], answer["merchant_confirm_id"]) == (-3, None)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING


def test_complete_after_another_payment_paid_the_auction_flags_a_refund(
    click, payment, payments_log
):
    prepared = click.prepare(payment)
    other = PaymentFactory(auction=payment.auction, provider="payme")
    payment_flow.complete_payment(other, cause="payme")

    answer = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)

    assert (answer["error"], answer["error_note"]) == (-4, "Already paid")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING
    assert payment.needs_refund
    assert str(prepared["click_trans_id"]) in payment.note
    assert not payment.events.filter(to_status="completed").exists()
    assert ClickTransaction.objects.get().status == ClickTransactionStatus.PREPARED
    errors = [r for r in payments_log.records if r.levelname == "ERROR"]
    assert any(payment.merchant_trans_id in r.getMessage() for r in errors)


def test_second_payment_of_a_paid_auction_is_refused_on_prepare_and_complete(click, make_payment):
    first, second = make_payment("click"), make_payment("click")
    prepared_second = click.prepare(second)
    click.pay(first)

    on_prepare = click.prepare(second)
    on_complete = click.complete(
        second, prepared_second["merchant_prepare_id"], prepared=prepared_second
    )

    assert (on_prepare["error"], on_complete["error"]) == (-4, -4)
    second.refresh_from_db()
    assert second.status == PaymentStatus.PROCESSING
    assert list(second.events.values_list("to_status", flat=True)) == ["processing"]
    assert ClickTransaction.objects.filter(payment=second).count() == 1
    # Click's Complete with error 0 means the payer was charged: an operator refunds.
    assert second.needs_refund
    first.refresh_from_db()
    assert first.status == PaymentStatus.COMPLETED


def test_click_error_on_a_second_payment_of_a_paid_auction_fails_it(click, make_payment):
    """Step 9 comes before step 11: Click's failure is recorded, the answer is -9."""
    first, second = make_payment("click"), make_payment("click")
    prepared_second = click.prepare(second)
    click.pay(first)

    answer = click.complete(
        second, prepared_second["merchant_prepare_id"], prepared=prepared_second, error="-1"
    )

    assert answer["error"] == -9
    second.refresh_from_db()
    assert (second.status, second.needs_refund) == (PaymentStatus.FAILED, False)


def test_complete_on_a_cancelled_auction_is_transaction_cancelled(click, payment):
    prepared = click.prepare(payment)
    payment.auction.status = AuctionStatus.CANCELLED
    payment.auction.save()

    answer = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)

    assert answer["error"] == -9
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING


def test_complete_of_a_cancelled_payment_is_transaction_cancelled(click, payment):
    prepared = click.prepare(payment)
    payment_flow.cancel_payment(payment, cause="system")

    answer = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)

    assert answer["error"] == -9
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert not PaymentEvent.objects.filter(to_status="completed").exists()


def test_complete_query_count(click, payment, django_assert_max_num_queries):
    prepared = click.prepare(payment)
    lock_wait = int(connection.vendor == "postgresql")  # set_config('lock_timeout', ...)

    # lock_payment (payment and auction), the row's SELECT FOR UPDATE, complete_payment
    # (UPDATE payment, event, UPDATE auction, "fee paid" outbox row) in the callback's
    # transaction, the row's UPDATE.
    with django_assert_max_num_queries(7 + lock_wait):
        answer = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
    # A repeat: lock_payment and the row's SELECT.
    with django_assert_max_num_queries(2 + lock_wait):
        again = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)

    assert (answer["error"], again["error"]) == (0, -4)


def test_complete_with_a_positive_error_is_a_bad_request_and_completes_nothing(click, payment):
    prepared = click.prepare(payment)

    answer = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared, error="1")

    assert answer["error"] == -8
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING


def test_a_second_attempt_charged_after_completion_is_flagged_for_refund(click, payment, caplog):
    first = click.prepare(payment, click_trans_id="5001")
    second = click.prepare(payment, click_trans_id="5002")
    click.complete(payment, first["merchant_prepare_id"], prepared=first, click_trans_id="5001")

    late = click.complete(
        payment, second["merchant_prepare_id"], prepared=second, click_trans_id="5002"
    )

    assert late["error"] == -4
    payment.refresh_from_db()
    assert payment.needs_refund
    assert "5002" in payment.note
    assert any(r.levelname == "ERROR" for r in caplog.records)


def test_an_unpaid_auction_past_its_end_is_not_charged(click, payment):
    import datetime

    from django.utils import timezone

    from auctions.models import Auction

    Auction.objects.filter(pk=payment.auction_id).update(
        start_time=timezone.now() - datetime.timedelta(days=2),
        end_time=timezone.now() - datetime.timedelta(seconds=1),
    )

    answer = click.prepare(payment)

    assert answer["error"] == -9
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
