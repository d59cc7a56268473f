"""An unexpected failure answers -32400 and rolls back everything the call did (PROVIDERS 2.1)."""

import pytest
from django.db import connection

from auctions.models import PaymentEvent
from auctions.models import PaymentStatus as Status
from payments_payme.models import PaymeTransaction

pytestmark = pytest.mark.django_db(transaction=True)

T1 = "63f1a0c2e4b0d1a2b3c4d5e1"
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER payme_fail BEFORE UPDATE ON payments_payme_paymetransaction "
        "BEGIN SELECT RAISE(ABORT, 'database failure under test'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION payme_fail() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'database failure under test'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER payme_fail BEFORE UPDATE ON payments_payme_paymetransaction "
        "FOR EACH ROW EXECUTE FUNCTION payme_fail()",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER payme_fail"],
    "postgresql": [
        "DROP TRIGGER payme_fail ON payments_payme_paymetransaction",
        "DROP FUNCTION payme_fail()",
    ],
}


@pytest.fixture
def failing_transaction_update():
    """A real database failure on the last write of Perform (no code is mocked)."""
    with connection.cursor() as cursor:
        for statement in TRIGGERS[connection.vendor]:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in DROP[connection.vendor]:
            cursor.execute(statement)


def test_a_failure_after_completing_rolls_the_completion_back(payme, payme_payment, request):
    assert payme.create(payme_payment, T1)["result"]["state"] == 1
    request.getfixturevalue("failing_transaction_update")

    answer = payme.perform(T1)

    assert answer["error"]["code"] == -32400
    row = PaymeTransaction.objects.get(payme_id=T1)
    payme_payment.refresh_from_db()
    payme_payment.auction.refresh_from_db()
    assert (row.state, row.perform_time) == (1, 0)
    assert payme_payment.status == Status.PROCESSING
    assert not payme_payment.auction.is_paid
    assert not PaymentEvent.objects.filter(payment=payme_payment, to_status="completed").exists()
