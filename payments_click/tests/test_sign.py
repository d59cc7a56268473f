"""The MD5 sign of PROVIDERS.md 1.3: its vectors, raw texts, constant-time byte comparison."""

import pytest

from auctions.models import PaymentStatus
from payments_click.models import ClickTransaction
from payments_click.protocol import sign
from payments_click.tests.signed_client import click_sign

pytestmark = pytest.mark.django_db

VECTOR = {
    "click_trans_id": "2001",
    "service_id": "12345",
    "secret_key": "TESTSECRET",
    "merchant_trans_id": "AUCTION_A1B2C3D4E5F6G7H8I9J0",
}


@pytest.mark.parametrize(
    ("merchant_prepare_id", "amount", "action", "sign_time", "expected"),
    [
        (None, "50000.00", "0", "2025-01-15 10:30:00", "919be34c4c68925f6b7c255c8ffdaa05"),
        (None, "50000", "0", "2025-01-15 10:30:00", "de39e32b16fa99d40e065970a1290dd2"),
        ("17", "50000.00", "1", "2025-01-15 10:30:05", "0f9e9375a335eb195c3da973e71dee8e"),
        (None, "50000.00", "1", "2025-01-15 10:30:05", "1d81c2d48312c4c08e1c30ac3ed8ce57"),
    ],
)
def test_spec_vectors(merchant_prepare_id, amount, action, sign_time, expected):
    assert (
        sign(
            **VECTOR,
            merchant_prepare_id=merchant_prepare_id,
            amount=amount,
            action=action,
            sign_time=sign_time,
        )
        == expected
    )


@pytest.fixture
def vector_payment(make_payment):
    return make_payment("click", merchant_trans_id=VECTOR["merchant_trans_id"])


def vector_fields(**fields) -> dict[str, str]:
    return {
        "click_trans_id": "2001",
        "service_id": "12345",
        "click_paydoc_id": "3001",
        "merchant_trans_id": VECTOR["merchant_trans_id"],
        "error": "0",
        "error_note": "Success",
        **fields,
    }


def test_prepare_signed_with_the_spec_vector_is_accepted(click, vector_payment):
    fields = vector_fields(
        amount="50000.00",
        action="0",
        sign_time="2025-01-15 10:30:00",
        sign_string="919be34c4c68925f6b7c255c8ffdaa05",
    )

    answer = click.post("prepare", fields)

    assert answer["error"] == 0
    vector_payment.refresh_from_db()
    assert vector_payment.status == PaymentStatus.PROCESSING


def test_complete_signed_with_merchant_prepare_id_is_accepted_and_without_it_refused(
    click, vector_payment
):
    click.post(
        "prepare",
        vector_fields(
            amount="50000.00",
            action="0",
            sign_time="2025-01-15 10:30:00",
            sign_string="919be34c4c68925f6b7c255c8ffdaa05",
        ),
    )
    # Make the row's id the vector's merchant_prepare_id, 17.
    ClickTransaction.objects.filter(click_trans_id=2001).update(id=17)
    complete = vector_fields(
        merchant_prepare_id="17", amount="50000.00", action="1", sign_time="2025-01-15 10:30:05"
    )

    without = click.post(
        "complete", {**complete, "sign_string": "1d81c2d48312c4c08e1c30ac3ed8ce57"}
    )
    vector_payment.refresh_from_db()
    assert (without["error"], without["error_note"]) == (-1, "SIGN CHECK FAILED!")
    assert vector_payment.status == PaymentStatus.PROCESSING

    accepted = click.post(
        "complete", {**complete, "sign_string": "0f9e9375a335eb195c3da973e71dee8e"}
    )
    assert (accepted["error"], accepted["merchant_confirm_id"]) == (0, 17)
    vector_payment.refresh_from_db()
    assert vector_payment.status == PaymentStatus.COMPLETED


def test_uppercase_hex_sign_is_accepted(click, vector_payment):
    fields = vector_fields(
        amount="50000",
        action="0",
        sign_time="2025-01-15 10:30:00",
        sign_string="DE39E32B16FA99D40E065970A1290DD2",
    )

    assert click.post("prepare", fields)["error"] == 0


def test_the_sign_covers_the_raw_amount_text(click, vector_payment):
    """Signed over "50000", sent as "50000.00": the same sum, but not what was signed."""
    fields = vector_fields(
        amount="50000.00",
        action="0",
        sign_time="2025-01-15 10:30:00",
        sign_string="de39e32b16fa99d40e065970a1290dd2",
    )

    assert click.post("prepare", fields)["error"] == -1


@pytest.mark.parametrize(
    "sign_string",
    [
        "0" * 32,
        "919be34c4c68925f6b7c255c8ffdaa0",
        "919be34c4c68925f6b7c255c8ffdaa05 ",
        "ÿ" * 32,
        "€",
    ],
)
def test_a_wrong_sign_is_sign_check_failed(click, payment, sign_string):
    answer = click.prepare(payment, sign_string=sign_string)

    assert (answer["error"], answer["error_note"]) == (-1, "SIGN CHECK FAILED!")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not ClickTransaction.objects.exists()


def test_a_sign_made_with_another_key_is_refused(click, payment, settings):
    settings.CLICK_SECRET_KEY = "ANOTHERSECRET"

    assert click.prepare(payment)["error"] == -1


def test_without_a_configured_key_every_callback_is_refused(click, payment, settings):
    """An empty key would let anyone sign; the system check warns about it."""
    settings.CLICK_SECRET_KEY = ""
    fields = click.fields(payment, "0")
    fields["sign_string"] = click_sign(fields, secret="")

    assert click.post("prepare", fields)["error"] == -1
    assert not ClickTransaction.objects.exists()


def test_sign_comes_before_the_service_and_action_checks(click, payment):
    answer = click.prepare(payment, service_id="999", action="5", sign_string="f" * 32)

    assert answer["error"] == -1
