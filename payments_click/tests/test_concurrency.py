"""Races on PostgreSQL: row locks, not luck, make a payment complete exactly once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client

from auctions.models import Auction, PaymentEvent, PaymentStatus
from auctions.tests.factories import PaymentFactory
from payments_click.models import ClickTransaction, ClickTransactionStatus
from payments_click.tests.signed_client import ClickClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post_concurrently(requests: list[tuple[str, str, dict]]) -> list:
    """POST every (base, endpoint, fields) at once, each from its own thread and connection."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def send(position: int, base: str, endpoint: str, fields: dict) -> None:
        try:
            click = ClickClient(Client(), base)
            barrier.wait(timeout=30)
            answers[position] = click.post(endpoint, fields)
        except Exception as error:  # reported by the assertions below
            answers[position] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(position, *request))
        for position, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_thirty_identical_completes_complete_once(client, make_payment):
    payment = make_payment("click")
    click = ClickClient(client)
    prepared = click.prepare(payment)
    fields = click.fields(
        payment,
        "1",
        click_trans_id=str(prepared["click_trans_id"]),
        merchant_prepare_id=str(prepared["merchant_prepare_id"]),
    )

    answers = post_concurrently([("/api/payments/click/", "complete", fields)] * 30)

    assert all(isinstance(answer, dict) for answer in answers), answers
    errors = sorted(answer["error"] for answer in answers)
    assert errors == [-4] * 29 + [0]
    winner = next(answer for answer in answers if answer["error"] == 0)
    assert winner["merchant_confirm_id"] == prepared["merchant_prepare_id"]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert not payment.needs_refund
    assert PaymentEvent.objects.filter(payment=payment, to_status="completed").count() == 1
    assert payment.auction.is_paid
    assert ClickTransaction.objects.get().status == ClickTransactionStatus.COMPLETED


def test_two_payments_of_one_auction_completing_at_once_pay_it_once(client, auction):
    click = ClickClient(client)
    payments = [PaymentFactory(auction=auction, provider="click") for _ in range(2)]
    bodies = []
    for payment in payments:
        prepared = click.prepare(payment)
        bodies.append(
            click.fields(
                payment,
                "1",
                click_trans_id=str(prepared["click_trans_id"]),
                merchant_prepare_id=str(prepared["merchant_prepare_id"]),
            )
        )

    answers = post_concurrently(
        [
            ("/api/payments/click/", "complete", bodies[0]),
            ("/api/auctions/click/", "complete", bodies[1]),
        ]
    )

    assert sorted(answer["error"] for answer in answers) == [-4, 0]
    for payment in payments:
        payment.refresh_from_db()
    completed = [p for p in payments if p.status == PaymentStatus.COMPLETED]
    charged_twice = [p for p in payments if p.needs_refund]
    assert len(completed) == 1
    assert len(charged_twice) == 1
    assert charged_twice[0].status == PaymentStatus.PROCESSING
    assert PaymentEvent.objects.filter(to_status="completed").count() == 1


def test_concurrent_identical_prepares_make_one_row(client, make_payment):
    payment = make_payment("click")
    fields = ClickClient(client).fields(payment, "0")

    answers = post_concurrently([("/api/auctions/click/", "prepare", fields)] * 10)

    assert all(isinstance(answer, dict) for answer in answers), answers
    assert {answer["error"] for answer in answers} == {0}
    row = ClickTransaction.objects.get()
    assert {answer["merchant_prepare_id"] for answer in answers} == {row.pk}
    assert PaymentEvent.objects.filter(payment=payment).count() == 1


def test_a_database_failure_is_failed_to_update_and_rolls_back(client, make_payment, settings):
    """The auction row stays locked elsewhere past CALLBACK_LOCK_TIMEOUT: -7, nothing kept.

    Click's documentation defines -7 ("an error occurred while changing user data") and
    says nothing of what Click does after it: whether it repeats the Complete is not
    known (PROVIDERS 1.5). What we promise is only that nothing was kept, so the same
    Complete, if it comes again, is answered as the first one would have been.
    """
    payment = make_payment("click")
    click = ClickClient(client)
    prepared = click.prepare(payment)
    locked, release = threading.Event(), threading.Event()

    def hold_auction_lock() -> None:
        try:
            with transaction.atomic():
                Auction.objects.select_for_update().get(pk=payment.auction_id)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_auction_lock)
    holder.start()
    assert locked.wait(timeout=10)
    # The callback's own transaction-local limit: a session-level SET here would outlive
    # the test on a pooled server connection behind PgBouncer (transaction mode).
    settings.CALLBACK_LOCK_TIMEOUT = Decimal("0.3")
    try:
        failed = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
    finally:
        release.set()
        holder.join(timeout=10)

    assert (failed["error"], failed["error_note"]) == (-7, "Failed to update user")
    assert failed["merchant_confirm_id"] is None
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING
    assert ClickTransaction.objects.get().status == ClickTransactionStatus.PREPARED
    assert not PaymentEvent.objects.filter(to_status="completed").exists()
    # The same Complete sent again (by Click or replayed by an operator) completes once.
    again = click.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
    assert again["error"] == 0
