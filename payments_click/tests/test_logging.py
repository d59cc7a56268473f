"""One `payments` line per callback, with ids and outcome, never the key or the sign."""

import pytest

from auctions import payment_flow
from auctions.tests.factories import PaymentFactory
from payments_click.tests.signed_client import SECRET

pytestmark = pytest.mark.django_db


def test_each_callback_logs_one_line_without_secrets(click, payment, payments_log):
    prepared = click.prepare(payment)
    completed_fields = click.fields(
        payment,
        "1",
        click_trans_id=str(prepared["click_trans_id"]),
        merchant_prepare_id=str(prepared["merchant_prepare_id"]),
    )
    click.post("complete", completed_fields)
    click.post("complete", completed_fields)  # repeated: -4
    click.prepare(payment, sign_string="f" * 32)  # bad sign

    lines = [r.getMessage() for r in payments_log.records if r.name == "payments"]
    assert len(lines) == 4
    ids = f"merchant_trans_id={payment.merchant_trans_id}"
    assert lines[0].startswith("click prepare " + ids)
    assert lines[0].endswith(
        f"click_trans_id={prepared['click_trans_id']} outcome=prepared error=0"
    )
    assert lines[1].endswith("outcome=completed error=0")
    assert lines[2].endswith("outcome=already_paid error=-4")
    assert lines[3].endswith("outcome=bad_sign error=-1")
    text = payments_log.text
    assert SECRET not in text
    assert completed_fields["sign_string"] not in text
    assert "sign" not in text.replace("bad_sign", "")


def test_a_double_charge_logs_an_error_without_secrets(click, payment, payments_log):
    prepared = click.prepare(payment)
    payment_flow.complete_payment(PaymentFactory(auction=payment.auction), cause="payme")
    fields = click.fields(
        payment,
        "1",
        click_trans_id=str(prepared["click_trans_id"]),
        merchant_prepare_id=str(prepared["merchant_prepare_id"]),
    )

    click.post("complete", fields)

    errors = [r.getMessage() for r in payments_log.records if r.levelname == "ERROR"]
    assert any("outcome=charged_twice error=-4" in line for line in errors)
    assert SECRET not in payments_log.text
    assert fields["sign_string"] not in payments_log.text


def test_hostile_ids_are_logged_escaped_on_one_line(click, payment, payments_log):
    click.prepare("AUCTION_X\nclick prepare forged=1", sign_string=SECRET)

    (line,) = [r.getMessage() for r in payments_log.records if r.name == "payments"]
    assert "\n" not in line
    assert SECRET not in payments_log.text
