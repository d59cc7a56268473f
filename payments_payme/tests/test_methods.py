"""Each method's rules beyond the sandbox list (PROVIDERS 2.4, "our tests add")."""

import datetime
import logging

import pytest
from django.utils import timezone

from auctions import payment_flow
from auctions.models import AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.factories import BidFactory, PaymentFactory
from payments_payme.models import PaymeTransaction

from .factories import PaymePaymentFactory
from .payme_client import URL, basic_header, now_ms

pytestmark = pytest.mark.django_db

T1, T2 = "63f1a0c2e4b0d1a2b3c4d5e1", "63f1a0c2e4b0d1a2b3c4d5e2"
TWELVE_HOURS_MS = 43_200_000


def created(payme, payment, payme_id=T1):
    answer = payme.create(payment, payme_id)
    assert answer["result"]["state"] == 1
    return PaymeTransaction.objects.get(payme_id=payme_id)


def age(payme_transaction, milliseconds):
    """Move a stored create_time into the past instead of sleeping."""
    PaymeTransaction.objects.filter(pk=payme_transaction.pk).update(
        create_time=payme_transaction.create_time - milliseconds
    )


# -- transport ---------------------------------------------------------------------------


def test_get_is_refused_with_32300(client):
    response = client.get(URL, HTTP_AUTHORIZATION=basic_header("TEST_KEY_123"))

    assert response.status_code == 200
    assert response.json()["error"]["code"] == -32300


def test_non_json_body_is_32700(payme):
    answer = payme.post(b"{not json").json()

    assert (answer["id"], answer["error"]["code"]) == (None, -32700)


def test_unknown_method_is_32601_naming_it(payme):
    answer = payme.call("DropTables", {})

    assert answer["error"]["code"] == -32601
    assert answer["error"]["data"] == "DropTables"


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"42",
        b'"text"',
        b'{"params": {}, "id": 1}',
        b'{"method": 5, "params": {}}',
        b'{"method": "CheckTransaction", "params": []}',
    ],
)
def test_malformed_request_is_32600(payme, body):
    assert payme.post(body).json()["error"]["code"] == -32600


# -- CheckPerformTransaction -------------------------------------------------------------


@pytest.mark.parametrize("amount", [5000000.0, "5000000", True, None, 4999999, 5000001])
def test_check_perform_refuses_a_wrong_or_mistyped_amount(payme, payme_payment, amount):
    if amount == 5000000.0:
        body = (
            '{"method": "CheckPerformTransaction", "id": 1, "params": {"amount": 5000000.0, '
            f'"account": {{"order_id": "{payme_payment.merchant_trans_id}"}}}}}}'
        )
        answer = payme.post(body).json()
    else:
        params = {"amount": amount, "account": {"order_id": payme_payment.merchant_trans_id}}
        answer = payme.call("CheckPerformTransaction", params)

    assert answer["error"]["code"] == -31001
    assert answer["error"]["data"] == "amount"


def test_check_perform_refuses_another_providers_payment(payme, make_payment):
    click_payment = make_payment("click")

    answer = payme.check_perform(click_payment)

    assert answer["error"]["code"] == -31050
    assert answer["error"]["data"] == "order_id"


def test_check_perform_names_the_configured_account_field(payme, payme_payment, settings):
    settings.PAYME_ACCOUNT_FIELD = "payment_id"

    assert payme.check_perform(payme_payment)["result"] == {"allow": True}
    answer = payme.call(
        "CheckPerformTransaction",
        {"amount": 5000000, "account": {"order_id": payme_payment.merchant_trans_id}},
    )
    assert (answer["error"]["code"], answer["error"]["data"]) == (-31050, "payment_id")


def test_completed_payment_is_31099(payme, payme_payment):
    created(payme, payme_payment)
    payme.perform(T1)

    assert payme.check_perform(payme_payment)["error"]["code"] == -31099
    assert payme.create(payme_payment, T2)["error"]["code"] == -31099


def test_auction_paid_by_another_payment_is_31099(payme, payme_payment):
    payment_flow.complete_payment(PaymentFactory(auction=payme_payment.auction).pk, cause="test")

    assert payme.check_perform(payme_payment)["error"]["code"] == -31099


def test_check_perform_sends_the_fiscal_detail_when_ikpu_is_set(payme, payme_payment, settings):
    settings.PAYME_FISCAL_IKPU = "10305008002000000"
    settings.PAYME_FISCAL_PACKAGE_CODE = "1545643"
    settings.PAYME_FISCAL_VAT_PERCENT = 12

    result = payme.check_perform(payme_payment)["result"]

    assert result["allow"] is True
    assert result["detail"]["receipt_type"] == 0
    [item] = result["detail"]["items"]
    assert item == {
        "title": item["title"],
        "price": 5000000,
        "count": 1,
        "code": "10305008002000000",
        "package_code": "1545643",
        "vat_percent": 12,
    }
    assert isinstance(item["title"], str)
    assert item["title"]


def test_an_active_transaction_does_not_refuse_check_perform(payme, payme_payment):
    created(payme, payme_payment)

    assert payme.check_perform(payme_payment)["result"] == {"allow": True}


# -- CreateTransaction -------------------------------------------------------------------


def test_create_with_an_old_time_is_31008(payme, payme_payment):
    answer = payme.create(payme_payment, T1, payme_time=now_ms() - TWELVE_HOURS_MS - 1000)

    assert (answer["error"]["code"], answer["error"]["data"]) == (-31008, "time")
    assert not PaymeTransaction.objects.exists()
    payme_payment.refresh_from_db()
    assert payme_payment.status == Status.PENDING


def test_repeated_create_after_12_hours_cancels_with_reason_4(payme, payme_payment):
    row = created(payme, payme_payment)
    age(row, TWELVE_HOURS_MS + 1)

    answer = payme.create(payme_payment, T1)

    assert answer["error"]["code"] == -31008
    row.refresh_from_db()
    payme_payment.refresh_from_db()
    assert (row.state, row.reason) == (-1, 4)
    assert row.cancel_time > 0
    assert payme_payment.status == Status.CANCELLED
    check = payme.check(T1)["result"]
    assert (check["state"], check["reason"]) == (-1, 4)


def test_create_stores_the_transaction_and_moves_the_payment_to_processing(payme, payme_payment):
    before = now_ms()
    payme_time = before - 5000

    answer = payme.create(payme_payment, T1, payme_time=payme_time)

    row = PaymeTransaction.objects.get(payme_id=T1)
    assert (row.payment, row.amount, row.time, row.state) == (payme_payment, 5000000, payme_time, 1)
    assert before <= row.create_time <= now_ms()
    assert (row.perform_time, row.cancel_time, row.reason) == (0, 0, None)
    assert answer["result"]["create_time"] == row.create_time
    event = PaymentEvent.objects.get(payment=payme_payment)
    assert (event.to_status, event.cause, event.reference) == (
        "processing",
        "payme",
        {"payme_id": T1},
    )


def test_create_for_a_cancelled_auction_is_refused(payme, payme_payment):
    payme_payment.auction.status = AuctionStatus.CANCELLED
    payme_payment.auction.save()

    assert payme.create(payme_payment, T1)["error"]["code"] == -31099


# -- PerformTransaction ------------------------------------------------------------------


def test_unknown_id_is_31003_everywhere(payme):
    assert payme.perform(T1)["error"]["code"] == -31003
    assert payme.cancel(T1)["error"]["code"] == -31003
    assert payme.check(T1)["error"]["code"] == -31003
    assert payme.set_fiscal_data(T1, fiscal_data={"receipt_id": 1})["error"]["code"] == -31003


def test_perform_after_cancel_is_31008(payme, payme_payment):
    created(payme, payme_payment)
    payme.cancel(T1, reason=3)

    assert payme.perform(T1)["error"]["code"] == -31008
    payme_payment.refresh_from_db()
    assert payme_payment.status == Status.CANCELLED
    assert not payme_payment.auction.is_paid


def test_perform_after_12_hours_cancels_with_reason_4(payme, payme_payment):
    row = created(payme, payme_payment)
    age(row, TWELVE_HOURS_MS + 1)

    assert payme.perform(T1)["error"]["code"] == -31008

    row.refresh_from_db()
    payme_payment.refresh_from_db()
    assert (row.state, row.reason, row.perform_time) == (-1, 4, 0)
    assert payme_payment.status == Status.CANCELLED
    assert not payme_payment.auction.is_paid


def test_perform_just_inside_12_hours_completes(payme, payme_payment):
    row = created(payme, payme_payment)
    age(row, TWELVE_HOURS_MS - 60_000)

    assert payme.perform(T1)["result"]["state"] == 2


def test_perform_when_another_payment_paid_the_auction_is_31008_and_changes_nothing(
    payme, payme_payment
):
    created(payme, payme_payment)
    other = PaymentFactory(auction=payme_payment.auction, provider="click")
    payment_flow.complete_payment(other.pk, cause="test")

    answer = payme.perform(T1)

    assert answer["error"]["code"] == -31008
    row = PaymeTransaction.objects.get(payme_id=T1)
    payme_payment.refresh_from_db()
    assert (row.state, row.perform_time) == (1, 0)
    assert payme_payment.status == Status.PROCESSING
    assert not payme_payment.events.filter(to_status="completed").exists()


def test_perform_completes_the_payment_and_pays_the_auction(payme, payme_payment):
    created(payme, payme_payment)

    result = payme.perform(T1)["result"]

    row = PaymeTransaction.objects.get(payme_id=T1)
    payme_payment.refresh_from_db()
    payme_payment.auction.refresh_from_db()
    assert result == {"transaction": str(row.pk), "perform_time": row.perform_time, "state": 2}
    assert payme_payment.status == Status.COMPLETED
    assert payme_payment.auction.is_paid
    assert payme_payment.auction.status == AuctionStatus.SCHEDULED


# -- CancelTransaction -------------------------------------------------------------------


def test_refund_without_bids_returns_the_auction_to_pending_payment(payme, payme_payment):
    created(payme, payme_payment)
    payme.perform(T1)

    result = payme.cancel(T1, reason=5)["result"]

    row = PaymeTransaction.objects.get(payme_id=T1)
    payme_payment.refresh_from_db()
    auction = payme_payment.auction
    auction.refresh_from_db()
    assert result == {"transaction": str(row.pk), "cancel_time": row.cancel_time, "state": -2}
    assert (row.state, row.reason) == (-2, 5)
    assert payme_payment.status == Status.REFUNDED
    assert (auction.status, auction.is_paid) == (AuctionStatus.PENDING_PAYMENT, False)


def test_cancel_after_perform_with_a_bid_is_31007_and_changes_nothing(payme, payme_payment):
    created(payme, payme_payment)
    payme.perform(T1)
    auction = payme_payment.auction
    auction.refresh_from_db()
    BidFactory(auction=auction, amount=auction.starting_price)

    answer = payme.cancel(T1, reason=5)

    assert answer["error"]["code"] == -31007
    row = PaymeTransaction.objects.get(payme_id=T1)
    payme_payment.refresh_from_db()
    auction.refresh_from_db()
    assert (row.state, row.cancel_time, row.reason) == (2, 0, None)
    assert payme_payment.status == Status.COMPLETED
    assert auction.is_paid
    assert not payme_payment.events.filter(to_status="refunded").exists()


def test_cancel_after_perform_of_an_ended_auction_is_31007(payme, payme_payment):
    created(payme, payme_payment)
    payme.perform(T1)
    auction = payme_payment.auction
    auction.refresh_from_db()
    auction.start_time = timezone.now() - datetime.timedelta(days=2)
    auction.end_time = timezone.now() - datetime.timedelta(minutes=1)
    auction.save()

    assert payme.cancel(T1, reason=5)["error"]["code"] == -31007
    payme_payment.refresh_from_db()
    assert payme_payment.status == Status.COMPLETED


def test_repeated_cancel_keeps_the_first_reason(payme, payme_payment):
    created(payme, payme_payment)
    first = payme.cancel(T1, reason=3)["result"]

    second = payme.cancel(T1, reason=10)["result"]

    assert second == first
    assert PaymeTransaction.objects.get(payme_id=T1).reason == 3
    assert payme.check(T1)["result"]["reason"] == 3


def test_cancel_reason_must_be_a_positive_int(payme, payme_payment):
    created(payme, payme_payment)

    for reason in ("1", 1.0, True, 0, -1, None):
        answer = payme.call("CancelTransaction", {"id": T1, "reason": reason})
        assert answer["error"]["code"] == -32600
    assert PaymeTransaction.objects.get(payme_id=T1).state == 1


# -- SetFiscalData -----------------------------------------------------------------------


FISCAL = {
    "receipt_id": 25,
    "status_code": 0,
    "message": "accepted",
    "terminal_id": "EP000000000025",
    "fiscal_sign": "123456789012",
    "qr_code_url": "https://ofd.soliq.uz/check?t=EP000000000025&r=25&c=20250101120000&s=1",
    "date": "20250101120000",
}


def test_set_fiscal_data_is_stored_per_type_and_overwritten_by_repeats(payme, payme_payment):
    created(payme, payme_payment)

    assert payme.set_fiscal_data(T1, "PERFORM", FISCAL)["result"] == {"success": True}
    assert payme.set_fiscal_data(T1, "CANCEL", {**FISCAL, "receipt_id": 26})["result"] == {
        "success": True
    }
    payme.set_fiscal_data(T1, "PERFORM", {**FISCAL, "status_code": 1})

    row = PaymeTransaction.objects.get(payme_id=T1)
    assert row.fiscal_perform == {**FISCAL, "status_code": 1}
    assert row.fiscal_cancel == {**FISCAL, "receipt_id": 26}


@pytest.mark.parametrize(
    ("kind", "fiscal_data"), [("REFUND", FISCAL), (None, FISCAL), ("PERFORM", "x"), ("PERFORM", [])]
)
def test_set_fiscal_data_refuses_a_bad_type_or_no_object(payme, payme_payment, kind, fiscal_data):
    created(payme, payme_payment)

    answer = payme.call("SetFiscalData", {"id": T1, "type": kind, "fiscal_data": fiscal_data})

    assert answer["error"]["code"] == -32600
    row = PaymeTransaction.objects.get(payme_id=T1)
    assert (row.fiscal_perform, row.fiscal_cancel) == (None, None)


# -- logging -----------------------------------------------------------------------------


def test_one_log_line_per_call_without_secrets(payme, payme_payment, caplog):
    caplog.set_level(logging.INFO, logger="payments")
    created(payme, payme_payment)
    caplog.clear()

    payme.perform(T1)

    lines = [r.getMessage() for r in caplog.records if r.name == "payments"]
    assert lines == [
        f"payme PerformTransaction payme_id={T1} "
        f"merchant_trans_id={payme_payment.merchant_trans_id} outcome=completed error=0"
    ]
    assert "TEST_KEY_123" not in caplog.text
    assert "UGF5Y29t" not in caplog.text


def test_a_refusal_logs_its_code(payme, caplog):
    caplog.set_level(logging.INFO, logger="payments")

    payme.perform(T1)

    [line] = [r.getMessage() for r in caplog.records if r.name == "payments"]
    assert line.endswith("error=-31003")
    assert f"payme_id={T1}" in line


def test_another_providers_completed_payment_does_not_block_a_new_payme_one(payme):
    payment = PaymePaymentFactory()

    assert payme.check_perform(payment)["result"] == {"allow": True}
