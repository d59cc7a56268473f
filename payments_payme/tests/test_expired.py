"""A waiting transaction older than Payme's 12 hours never blocks anything (CONTRACT 1)."""

import pytest

from auctions.models import AuctionPayment, PaymentEvent
from auctions.models import PaymentStatus as Status
from payments_payme import services
from payments_payme.models import PaymeTransaction
from payments_payme.models import TransactionState as State

from .factories import PaymeTransactionFactory
from .payme_client import error_code
from .test_methods import T1, T2, TWELVE_HOURS_MS, age, created

pytestmark = pytest.mark.django_db


@pytest.fixture
def expired(payme, payme_payment):
    """The payment's state-1 transaction T1, created 12 hours and a second ago."""
    payme_transaction = created(payme, payme_payment)
    age(payme_transaction, TWELVE_HOURS_MS + 1000)
    return payme_transaction


def assert_cancelled_for_timeout(payment) -> None:
    payme_transaction = PaymeTransaction.objects.get(payme_id=T1)
    assert (payme_transaction.state, payme_transaction.reason) == (State.CANCELLED, 4)
    assert payme_transaction.cancel_time > 0
    payment.refresh_from_db()
    assert payment.status == Status.CANCELLED
    assert PaymentEvent.objects.filter(payment=payment, to_status=Status.CANCELLED).count() == 1


def test_a_new_create_for_the_account_cancels_it_and_answers_31099(payme, payme_payment, expired):
    answer = payme.create(payme_payment, T2)

    assert error_code(answer) == -31099
    assert_cancelled_for_timeout(payme_payment)
    assert not PaymeTransaction.objects.filter(payme_id=T2).exists()


def test_check_perform_for_the_account_cancels_it_and_answers_31099(payme, payme_payment, expired):
    assert error_code(payme.check_perform(payme_payment)) == -31099
    assert_cancelled_for_timeout(payme_payment)


def test_check_transaction_naming_it_answers_it_cancelled_with_reason_4(
    payme, payme_payment, expired
):
    answer = payme.check(T1)

    assert answer["result"]["state"] == State.CANCELLED
    assert answer["result"]["reason"] == 4
    assert_cancelled_for_timeout(payme_payment)


def test_a_waiting_transaction_not_yet_expired_still_refuses_another_create(payme, payme_payment):
    waiting = created(payme, payme_payment)
    age(waiting, TWELVE_HOURS_MS - 60_000)

    assert error_code(payme.create(payme_payment, T2)) == -31008
    assert payme.check_perform(payme_payment)["result"]["allow"] is True
    assert PaymeTransaction.objects.get(payme_id=T1).state == State.CREATED


def test_the_seller_starting_a_payment_gets_a_new_one(payme, payme_payment, expired, seller_api):
    answer = seller_api.post(
        f"/api/auctions/{payme_payment.auction_id}/payments/", {"provider": "payme"}, format="json"
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["merchant_trans_id"] != payme_payment.merchant_trans_id
    assert_cancelled_for_timeout(payme_payment)
    new = AuctionPayment.objects.get(merchant_trans_id=answer.json()["merchant_trans_id"])
    assert new.status == Status.PENDING


def test_cancel_expired_for_reconciliation_cancels_only_the_expired(payme, other_payme_payment):
    fresh = created(payme, other_payme_payment, T2)
    old = PaymeTransactionFactory(payme_id=T1, payment__status=Status.PROCESSING)
    age(old, TWELVE_HOURS_MS + 1)

    assert services.cancel_expired() == 1
    assert services.cancel_expired() == 0  # a second run does nothing twice

    assert_cancelled_for_timeout(old.payment)
    assert PaymeTransaction.objects.get(pk=fresh.pk).state == State.CREATED


def test_the_periodic_expiry_job_cancels_it(payme, payme_payment, expired):
    from auctions import tasks

    assert tasks.expire_stale_payments() == 1

    assert_cancelled_for_timeout(payme_payment)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cancelling_it_from_racing_calls_cancels_it_once(payme, payme_payment, expired):
    from .test_concurrency import run_together

    def call(index, client):
        if index % 3 == 0:
            return services.cancel_expired()
        if index % 3 == 1:
            return error_code(client.check_perform(payme_payment))
        return error_code(client.create(payme_payment, f"{index:024x}"))

    answers = run_together(9, call)

    assert sum(answer for index, answer in enumerate(answers) if index % 3 == 0) <= 1
    assert {answer for index, answer in enumerate(answers) if index % 3} == {-31099}
    assert_cancelled_for_timeout(payme_payment)  # one cancelled event, reason 4
    assert PaymeTransaction.objects.count() == 1
