"""payments_click/queries.py holds the ORM's answer, on SQLite and on PostgreSQL."""

import pytest
from django.db import transaction

from payments_click import queries
from payments_click.models import ClickTransaction

from .factories import ClickTransactionFactory

pytestmark = pytest.mark.django_db


def every_column(row) -> dict:
    fields = [f for f in ClickTransaction._meta.get_fields() if getattr(f, "concrete", False)]
    return {field.attname: getattr(row, field.attname) for field in fields}


def test_lock_prepared_row_equals_the_orms_answer():
    row = ClickTransactionFactory(error=-5017, error_note="Insufficient funds")
    ClickTransactionFactory()  # another row the look-up must not return

    with transaction.atomic():
        found = queries.lock_prepared_row(row.pk, row.payment_id, row.click_trans_id)
        orm = ClickTransaction.objects.select_for_update().get(pk=row.pk)

    assert every_column(found) == every_column(orm)


@pytest.mark.parametrize("wrong", ["merchant_prepare_id", "payment_id", "click_trans_id"])
def test_lock_prepared_row_needs_all_three_to_match(wrong):
    row = ClickTransactionFactory()
    ids = {"merchant_prepare_id": row.pk, "payment_id": row.payment_id}
    ids["click_trans_id"] = row.click_trans_id
    ids[wrong] += 1000

    with transaction.atomic():
        assert queries.lock_prepared_row(**ids) is None
