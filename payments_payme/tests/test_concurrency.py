"""Races on PostgreSQL: repeated Perform and competing Create, over real threads and HTTP."""

import threading

import pytest
from django.db import connection
from django.test import Client

from auctions.models import PaymentEvent
from auctions.models import PaymentStatus as Status
from payments_payme.models import PaymeTransaction

from .payme_client import PaymeClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T1 = "63f1a0c2e4b0d1a2b3c4d5e1"


def run_together(count, call):
    """Start `count` threads at one barrier; return every thread's answer."""
    barrier = threading.Barrier(count)
    answers = [None] * count

    def worker(index):
        try:
            barrier.wait()
            answers[index] = call(index, PaymeClient(Client(enforce_csrf_checks=True)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_thirty_concurrent_performs_complete_once_with_one_perform_time(payme, payme_payment):
    assert payme.create(payme_payment, T1)["result"]["state"] == 1

    answers = run_together(30, lambda index, client: client.perform(T1))

    results = [answer["result"] for answer in answers]
    row = PaymeTransaction.objects.get(payme_id=T1)
    assert {result["perform_time"] for result in results} == {row.perform_time}
    assert {result["state"] for result in results} == {2}
    assert row.state == 2
    assert row.perform_time > 0
    payme_payment.refresh_from_db()
    assert payme_payment.status == Status.COMPLETED
    assert PaymentEvent.objects.filter(payment=payme_payment, to_status="completed").count() == 1
    payme_payment.auction.refresh_from_db()
    assert payme_payment.auction.is_paid


def test_concurrent_creates_with_two_ids_leave_one_active_transaction(payme_payment):
    ids = ["63f1a0c2e4b0d1a2b3c4d5e1", "63f1a0c2e4b0d1a2b3c4d5e2"]

    answers = run_together(10, lambda index, client: client.create(payme_payment, ids[index % 2]))

    active = PaymeTransaction.objects.filter(payment=payme_payment, state=1)
    assert active.count() == 1
    winner = active.get().payme_id
    for index, answer in enumerate(answers):
        if ids[index % 2] == winner:
            assert answer["result"]["state"] == 1
        else:
            assert answer["error"]["code"] == -31008
    assert PaymeTransaction.objects.count() == 1
    payme_payment.refresh_from_db()
    assert payme_payment.status == Status.PROCESSING
    assert PaymentEvent.objects.filter(payment=payme_payment, to_status="processing").count() == 1


def test_concurrent_perform_and_cancel_leave_a_consistent_pair(payme, payme_payment):
    assert payme.create(payme_payment, T1)["result"]["state"] == 1

    answers = run_together(
        8, lambda index, client: client.perform(T1) if index % 2 else client.cancel(T1, 3)
    )

    row = PaymeTransaction.objects.get(payme_id=T1)
    payme_payment.refresh_from_db()
    expected_status = {2: Status.COMPLETED, -1: Status.CANCELLED, -2: Status.REFUNDED}[row.state]
    assert payme_payment.status == expected_status
    assert all("result" in answer or answer["error"]["code"] == -31008 for answer in answers)
