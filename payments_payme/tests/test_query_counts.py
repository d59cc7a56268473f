"""Query budgets of the hot methods (issue 7), savepoints included, key check included."""

import pytest
from django.db import connection

from payments_payme.models import PaymeTransaction

pytestmark = pytest.mark.django_db

T1 = "63f1a0c2e4b0d1a2b3c4d5e1"


def lock_wait() -> int:
    """The write methods' set_config('lock_timeout', ...) on PostgreSQL."""
    return int(connection.vendor == "postgresql")


def test_check_perform_costs_one_query_once_the_key_is_cached(
    payme, payme_payment, django_assert_num_queries
):
    payme.check_perform(payme_payment)  # the first call reads the key row

    with django_assert_num_queries(1):
        assert payme.check_perform(payme_payment)["result"] == {"allow": True}


def test_check_perform_costs_at_most_two_queries_with_a_cold_key_cache(
    payme, payme_payment, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        assert payme.check_perform(payme_payment)["result"] == {"allow": True}


def test_check_transaction_costs_one_query(payme, payme_payment, django_assert_num_queries):
    payme.create(payme_payment, T1)

    with django_assert_num_queries(1):
        assert payme.check(T1)["result"]["state"] == 1


def test_create_transaction_costs_at_most_five_queries(
    payme, payme_payment, django_assert_max_num_queries
):
    payme.check_perform(payme_payment)

    with django_assert_max_num_queries(5 + lock_wait()):
        assert payme.create(payme_payment, T1)["result"]["state"] == 1

    with django_assert_max_num_queries(2 + lock_wait()):
        assert payme.create(payme_payment, T1)["result"]["state"] == 1  # a repeat


def test_perform_transaction_costs_at_most_eight_queries(
    payme, payme_payment, django_assert_max_num_queries
):
    payme.create(payme_payment, T1)

    # the transaction's payment id, lock (payment and auction), the transaction's row,
    # UPDATE payment, event, UPDATE auction, the "fee paid" outbox row, UPDATE the
    # transaction.
    with django_assert_max_num_queries(8 + lock_wait()):
        assert payme.perform(T1)["result"]["state"] == 2

    with django_assert_max_num_queries(3 + lock_wait()):
        assert payme.perform(T1)["result"]["state"] == 2  # a repeat
    assert PaymeTransaction.objects.get(payme_id=T1).state == 2
