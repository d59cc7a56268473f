"""Prepare (action 0): PROVIDERS.md 1.6 steps 6-13 and the repeats of 1.7."""

import pytest
from django.db import connection

from auctions import payment_flow
from auctions.models import AuctionStatus, PaymentEvent, PaymentStatus
from auctions.tests.factories import PaymentFactory
from payments_click.models import ClickTransaction, ClickTransactionStatus
from payments_click.tests.factories import ClickTransactionFactory
from payments_click.tests.signed_client import ClickClient

pytestmark = pytest.mark.django_db


def test_prepare_reserves_the_payment_and_answers_its_row(click_any_url, payment):
    answer = click_any_url.prepare(payment, click_trans_id="2001", click_paydoc_id="3001")

    row = ClickTransaction.objects.get()
    assert answer == {
        "click_trans_id": 2001,
        "merchant_trans_id": payment.merchant_trans_id,
        "merchant_prepare_id": row.pk,
        "error": 0,
        "error_note": "Success",
    }
    assert (row.click_trans_id, row.click_paydoc_id, row.payment_id) == (2001, 3001, payment.pk)
    assert (row.status, row.action, row.sign_time) == ("prepared", 0, "2025-01-15 10:30:00")
    assert row.amount == payment.amount
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING
    event = PaymentEvent.objects.get(payment=payment)
    assert (event.to_status, event.cause) == ("processing", "click")
    assert event.reference["click_trans_id"] == 2001


@pytest.mark.parametrize("amount", ["50000", "50000.00", "50000.0"])
def test_prepare_accepts_the_fee_in_any_of_clicks_spellings(click, payment, amount):
    answer = click.prepare(payment, amount=amount)

    assert answer["error"] == 0


def test_prepare_as_json_keeps_the_literal_amount(click, payment):
    fields = click.fields(payment, "0", amount="50000.00")

    answer = click.post("prepare", fields, as_json=True)

    assert answer["error"] == 0
    assert ClickTransaction.objects.filter(payment=payment).count() == 1


def test_repeated_prepare_answers_the_same_and_has_no_second_effect(click, payment):
    fields = click.fields(payment, "0")
    first = click.post("prepare", fields)

    second = click.post("prepare", fields)

    assert first == second
    assert first["error"] == 0
    assert ClickTransaction.objects.count() == 1
    assert PaymentEvent.objects.filter(payment=payment).count() == 1


def test_new_attempt_on_a_processing_payment_gets_a_new_row(click, payment):
    first = click.prepare(payment)

    second = click.prepare(payment)

    assert (first["error"], second["error"]) == (0, 0)
    assert first["merchant_prepare_id"] != second["merchant_prepare_id"]
    assert ClickTransaction.objects.filter(payment=payment).count() == 2
    assert PaymentEvent.objects.filter(payment=payment).count() == 1


@pytest.mark.parametrize(
    "merchant_trans_id",
    ["AUCTION_00000000000000000000", "AUCTION_a1b2", "order-1", "AUCTION_A1B2C3D4E5F6G7H8I9J0\n"],
)
def test_unknown_or_malformed_merchant_trans_id_is_user_does_not_exist(
    click, payment, merchant_trans_id
):
    answer = click.prepare(merchant_trans_id)

    assert (answer["error"], answer["error_note"]) == (-5, "User does not exist")
    assert answer["merchant_prepare_id"] is None
    assert not ClickTransaction.objects.exists()


def test_a_payment_of_another_provider_is_user_does_not_exist(click, make_payment):
    payme = make_payment("payme")

    answer = click.prepare(payme)

    assert answer["error"] == -5
    payme.refresh_from_db()
    assert payme.status == PaymentStatus.PENDING
    assert not ClickTransaction.objects.exists()


@pytest.mark.parametrize(
    "amount", ["49999", "50000.01", "5000000", "1e5", "-50000", "50 000", "abc"]
)
def test_wrong_amount_is_incorrect_parameter_amount(click, payment, amount):
    answer = click.prepare(payment, amount=amount)

    assert (answer["error"], answer["error_note"]) == (-2, "Incorrect parameter amount")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not ClickTransaction.objects.exists()


def test_prepare_of_a_completed_payment_is_already_paid(click, payment):
    payment_flow.complete_payment(payment, cause="test")

    answer = click.prepare(payment)

    assert (answer["error"], answer["error_note"]) == (-4, "Already paid")
    assert not ClickTransaction.objects.exists()


def test_second_payment_of_a_paid_auction_is_already_paid_and_untouched(click, payment):
    first = PaymentFactory(auction=payment.auction, provider="payme")
    payment_flow.complete_payment(first, cause="payme")

    answer = click.prepare(payment)

    assert answer["error"] == -4
    payment.refresh_from_db()
    assert (payment.status, payment.needs_refund) == (PaymentStatus.PENDING, False)
    assert not payment.events.exists()
    assert not ClickTransaction.objects.exists()


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_prepare_of_a_closed_payment_is_transaction_cancelled(click, payment, status):
    {"failed": payment_flow.fail_payment, "cancelled": payment_flow.cancel_payment}[status](
        payment, cause="test"
    )

    answer = click.prepare(payment)

    assert (answer["error"], answer["error_note"]) == (-9, "Transaction cancelled")
    assert not ClickTransaction.objects.exists()


def test_prepare_of_a_cancelled_auction_is_transaction_cancelled(click, payment):
    payment.auction.status = AuctionStatus.CANCELLED
    payment.auction.save()

    answer = click.prepare(payment)

    assert answer["error"] == -9
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_complete_action_on_the_prepare_url_is_action_not_found(click, payment):
    fields = click.fields(payment, "1", merchant_prepare_id="1")

    answer = click.post("prepare", fields)

    assert (answer["error"], answer["error_note"]) == (-3, "Action not found")
    assert answer["merchant_prepare_id"] is None


@pytest.mark.parametrize("action", ["2", "-1", "3"])
def test_unknown_action_is_action_not_found(click, payment, action):
    answer = click.prepare(payment, action=action)

    assert answer["error"] == -3
    assert not ClickTransaction.objects.exists()


def test_checks_run_in_the_specs_order(click, make_payment):
    """A bad sign wins over every later refusal; an unknown payment over a wrong amount."""
    completed = make_payment("click")
    payment_flow.complete_payment(completed, cause="test")

    bad_sign = click.prepare(completed, amount="1", action="7", sign_string="0" * 32)
    wrong_action = click.prepare("AUCTION_X", amount="1", action="7")
    unknown = click.prepare("AUCTION_00000000000000000000", amount="1")
    paid = click.prepare(completed, amount="1")

    assert [a["error"] for a in (bad_sign, wrong_action, unknown, paid)] == [-1, -3, -5, -4]


@pytest.mark.django_db(transaction=True)
def test_click_trans_id_of_another_payment_is_refused_and_rolled_back(client, make_payment):
    click = ClickClient(client)
    taken = ClickTransactionFactory(click_trans_id=5555)
    payment = make_payment("click")

    answer = click.prepare(payment, click_trans_id="5555")

    assert answer["error"] == -8
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not payment.events.exists()
    assert list(ClickTransaction.objects.values_list("pk", flat=True)) == [taken.pk]


def test_prepare_status_and_row_are_saved_in_one_transaction(click, payment):
    click.prepare(payment)

    row = ClickTransaction.objects.get()
    assert row.status == ClickTransactionStatus.PREPARED
    assert payment.events.get().reference["merchant_prepare_id"] == row.pk


def test_prepare_query_count(click, payment, django_assert_max_num_queries):
    fields = click.fields(payment, "0")
    lock_wait = int(connection.vendor == "postgresql")  # set_config('lock_timeout', ...)

    # lock_payment, the row's INSERT, mark_processing (UPDATE payment, event) in the
    # callback's transaction: no savepoint.
    with django_assert_max_num_queries(4 + lock_wait):
        first = click.post("prepare", fields)
    # A repeat: lock_payment and the row's SELECT.
    with django_assert_max_num_queries(2 + lock_wait):
        again = click.post("prepare", fields)

    assert first == again
    assert first["error"] == 0
