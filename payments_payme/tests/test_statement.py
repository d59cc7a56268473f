"""GetStatement (PROVIDERS 2.4): from <= time <= to, ascending, every state, Payme's fields."""

import pytest

from .factories import PaymePaymentFactory
from .payme_client import error_code, now_ms

pytestmark = pytest.mark.django_db

BASE = now_ms() - 3_600_000  # Create refuses a `time` older than 12 hours


def test_statement_window_is_inclusive_ascending_and_excludes_outside(payme):
    payments = [PaymePaymentFactory() for _ in range(5)]
    times = [BASE - 1, BASE + 300, BASE, BASE + 1000, BASE + 1001]
    ids = [f"65a0000000000000000000{n:02d}" for n in range(5)]
    for payment, payme_id, payme_time in zip(payments, ids, times, strict=True):
        assert payme.create(payment, payme_id, payme_time=payme_time)["result"]["state"] == 1
    payme.perform(ids[1])
    payme.cancel(ids[2], reason=2)

    result = payme.statement(BASE, BASE + 1000)["result"]

    items = result["transactions"]
    assert [item["id"] for item in items] == [ids[2], ids[1], ids[3]]
    assert [item["time"] for item in items] == [BASE, BASE + 300, BASE + 1000]
    performed = payme.check(ids[1])["result"]
    assert items[1] == {
        "id": ids[1],
        "time": BASE + 300,
        "amount": 5000000,
        "account": {"order_id": payments[1].merchant_trans_id},
        "create_time": performed["create_time"],
        "perform_time": performed["perform_time"],
        "cancel_time": 0,
        "transaction": performed["transaction"],
        "state": 2,
        "reason": None,
        "receivers": None,
    }
    assert (items[0]["state"], items[0]["reason"]) == (-1, 2)
    assert items[2]["state"] == 1


def test_statement_of_an_empty_window_is_an_empty_list(payme):
    assert payme.statement(BASE, BASE + 1)["result"] == {"transactions": []}
    assert payme.statement(BASE + 1, BASE)["result"] == {"transactions": []}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": BASE},
        {"from": "1", "to": BASE},
        {"from": 1.5, "to": BASE},
        {"from": True, "to": BASE},
        {"from": 0, "to": 2**64},
        {"from": -1, "to": BASE},
    ],
)
def test_statement_needs_two_integer_times(payme, params):
    assert error_code(payme.call("GetStatement", params)) == -32600
