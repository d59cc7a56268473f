"""Payme's sandbox acceptance list (PROVIDERS 2.6), rows 1-14 in order, over HTTP."""

import pytest

from auctions.models import AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from payments_payme.models import PaymeTransaction

from .payme_client import error_code

pytestmark = pytest.mark.django_db

T1, T2, T3, T4 = (f"5e730e8e0b852a417aa49ce{n}" for n in range(1, 5))
METHODS = [
    "CheckPerformTransaction",
    "CreateTransaction",
    "PerformTransaction",
    "CancelTransaction",
    "CheckTransaction",
    "GetStatement",
    "SetFiscalData",
    "ChangePassword",
]


def test_sandbox_scenarios_in_order(payme, payme_payment, other_payme_payment):
    account_a, account_b = payme_payment, other_payme_payment

    # 1. Неверная авторизация: every method with a wrong key.
    for method in METHODS:
        assert error_code(payme.call(method, {}, key="WRONG_KEY")) == -32504

    # 2. Неверная сумма: CheckPerform, then Create, account A, wrong amount.
    assert error_code(payme.check_perform(account_a, amount=4999900)) == -31001
    assert error_code(payme.create(account_a, T1, amount=4999900)) == -31001

    # 3. Несуществующий счёт: an unknown account, the right amount.
    ghost = type(account_a)(
        merchant_trans_id="AUCTION_ZZZZZZZZZZZZZZZZZZZZ", amount=account_a.amount
    )
    assert error_code(payme.check_perform(ghost)) == -31050
    assert error_code(payme.create(ghost, T1)) == -31050
    assert not PaymeTransaction.objects.exists()

    # 4-7 for account A, then 8-9.
    _rows_4_to_7(payme, account_a, T1, T2)

    first = payme.cancel(T1, reason=1)
    second = payme.cancel(T1, reason=1)
    assert first["result"]["state"] == -1
    assert first["result"]["cancel_time"] > 0
    assert second == {**first, "id": second["id"]}  # 8. identical answers

    check = payme.check(T1)["result"]
    assert (check["state"], check["reason"]) == (-1, 1)  # 9.
    assert check["cancel_time"] == first["result"]["cancel_time"]
    account_a.refresh_from_db()
    assert account_a.status == Status.CANCELLED

    # 10. rows 4-7 again for account B.
    _rows_4_to_7(payme, account_b, T3, T4)

    # 11. PerformTransaction x2: identical perform_time.
    first = payme.perform(T3)
    second = payme.perform(T3)
    assert first["result"]["state"] == 2
    assert first["result"]["perform_time"] > 0
    assert second["result"] == first["result"]
    account_b.refresh_from_db()
    assert account_b.status == Status.COMPLETED
    assert account_b.auction.is_paid
    assert PaymentEvent.objects.filter(payment=account_b, to_status="completed").count() == 1

    # 12. CheckTransaction: state 2.
    check = payme.check(T3)["result"]
    assert (check["state"], check["perform_time"]) == (2, first["result"]["perform_time"])

    # 13. CancelTransaction x2 after perform: refund (no bids), state -2.
    first = payme.cancel(T3, reason=5)
    second = payme.cancel(T3, reason=5)
    assert first["result"]["state"] == -2
    assert second["result"] == first["result"]

    # 14. CheckTransaction: state -2, reason as sent.
    check = payme.check(T3)["result"]
    assert (check["state"], check["reason"]) == (-2, 5)
    account_b.refresh_from_db()
    account_b.auction.refresh_from_db()
    assert account_b.status == Status.REFUNDED
    assert (account_b.auction.status, account_b.auction.is_paid) == (
        AuctionStatus.PENDING_PAYMENT,
        False,
    )


def _rows_4_to_7(payme, payment, first_id, second_id):
    # 4. CheckPerformTransaction: allow.
    assert payme.check_perform(payment)["result"] == {"allow": True}

    # 5. CreateTransaction x2: state 1, identical answers.
    first = payme.create(payment, first_id)
    second = payme.create(payment, first_id)
    assert first["result"]["state"] == 1
    assert first["result"]["receivers"] is None
    assert second["result"] == first["result"]
    row = PaymeTransaction.objects.get(payme_id=first_id)
    assert first["result"] == {
        "create_time": row.create_time,
        "transaction": str(row.pk),
        "state": 1,
        "receivers": None,
    }
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING

    # 6. CheckTransaction: state 1, times 0, reason null.
    assert payme.check(first_id)["result"] == {
        "create_time": row.create_time,
        "perform_time": 0,
        "cancel_time": 0,
        "transaction": str(row.pk),
        "state": 1,
        "reason": None,
    }

    # 7. CreateTransaction with a new id on the waiting one-time account: -31008.
    assert error_code(payme.create(payment, second_id)) == -31008
    assert not PaymeTransaction.objects.filter(payme_id=second_id).exists()
