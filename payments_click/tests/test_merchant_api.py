"""Click's Merchant API client against the fake over HTTP (PROVIDERS.md 1.9)."""

import datetime
import json

import pytest
from django.utils.timezone import localtime
from hypothesis import given
from hypothesis import strategies as st

from payments_click.merchant_api import MerchantAPI, MerchantAPIError, auth_header
from payments_click.models import ClickMerchantCall
from payments_click.tests.signed_client import SECRET

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user", "timestamp", "expected"),
    [
        ("777", 1736919000, "777:984602c2bdd408b8bd0ceb9bf4c1142f87a3c530:1736919000"),
        ("123", 1519051543, "123:ec764df343f5269761b930fb48bfe5ed8ad5c1eb:1519051543"),
    ],
)
def test_auth_header_matches_the_spec_vectors(user, timestamp, expected):
    assert auth_header(user, "TESTSECRET", timestamp) == expected


def test_status_by_mti_reads_clicks_answer(click_merchant, payment):
    entry = click_merchant.record(payment, status="paid")

    answer = MerchantAPI.from_settings().status_by_mti(
        payment.merchant_trans_id, localtime(payment.created_at).date(), payment=payment
    )

    assert answer.ok
    assert (answer.payment_id, answer.payment_status) == (entry["payment_id"], 2)
    call = ClickMerchantCall.objects.get()
    assert (call.payment, call.call, call.http_status, call.error_code) == (
        payment,
        "status_by_mti",
        200,
        0,
    )


def test_status_by_mti_of_another_day_is_a_refusal_not_an_exception(click_merchant, payment):
    click_merchant.record(payment)
    other_day = localtime(payment.created_at).date() - datetime.timedelta(days=3)

    answer = MerchantAPI.from_settings().status_by_mti(payment.merchant_trans_id, other_day)

    assert not answer.ok
    assert answer.error_code != 0


def test_reversal_reverses_once(click_merchant, payment):
    entry = click_merchant.record(payment, status="paid")
    api = MerchantAPI.from_settings()

    first = api.reversal(entry["payment_id"])
    second = api.reversal(entry["payment_id"])

    assert first.ok and not second.ok
    assert entry["status"] == "reversed"
    assert click_merchant.api.reversals == [entry["payment_id"]]
    assert api.payment_status(entry["payment_id"]).payment_status < 0


def test_a_wrong_key_is_an_error_naming_the_http_status(click_merchant, settings, payment):
    settings.CLICK_SECRET_KEY = "ANOTHER"

    with pytest.raises(MerchantAPIError) as raised:
        MerchantAPI.from_settings().payment_status(1, payment=payment)

    assert raised.value.http_status == 401
    assert ClickMerchantCall.objects.get().http_status == 401


def test_an_unreachable_click_is_an_error(click_merchant, settings):
    # The fake runs, but the URL points at a closed port.
    settings.CLICK_MERCHANT_API_URL = "http://127.0.0.1:9/v2/merchant"

    with pytest.raises(MerchantAPIError, match="cannot reach Click"):
        MerchantAPI.from_settings().payment_status(1)


def test_no_call_logs_the_key_or_the_auth_header(click_merchant, payment, payments_log):
    click_merchant.record(payment)

    MerchantAPI.from_settings().status_by_mti(
        payment.merchant_trans_id, localtime(payment.created_at).date()
    )

    assert "call=status_by_mti" in payments_log.text
    assert SECRET not in payments_log.text
    assert "Auth" not in payments_log.text
    stored = str(list(ClickMerchantCall.objects.values()))
    assert SECRET not in stored


def test_admin_lists_the_calls(click_merchant, payment, admin_client):
    click_merchant.record(payment)
    MerchantAPI.from_settings().status_by_mti(
        payment.merchant_trans_id, localtime(payment.created_at).date(), payment=payment
    )

    page = admin_client.get("/admin/payments_click/clickmerchantcall/").content.decode()

    assert "status_by_mti" in page
    assert payment.merchant_trans_id in page


@pytest.fixture
def canned_click(settings):
    """A server answering every request with the status and body a test sets."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answer = {"status": 200, "body": b"{}"}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.send_response(answer["status"])
            self.send_header("Content-Length", str(len(answer["body"])))
            self.end_headers()
            self.wfile.write(answer["body"])

        do_GET = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLICK_MERCHANT_API_URL = f"http://127.0.0.1:{server.server_address[1]}/v2/merchant"
    yield answer
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


JSON_VALUES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)


@given(
    status=st.sampled_from([200, 201, 400, 401, 404, 500, 502]),
    body=st.binary(max_size=100)
    | st.dictionaries(
        st.sampled_from(["error_code", "error_note", "payment_id", "payment_status"]),
        JSON_VALUES,
    ).map(lambda value: json.dumps(value).encode()),
)
def test_any_answer_is_read_or_refused_as_a_merchant_api_error(canned_click, status, body):
    canned_click.update(status=status, body=body)

    try:
        answer = MerchantAPI.from_settings().payment_status(42)
    except MerchantAPIError as error:
        answer = error  # a well-formed refusal: Click could not be read
    if isinstance(answer, MerchantAPIError):
        assert answer.detail
    else:
        assert status in (200, 201)
        assert isinstance(answer.error_code, int)
        assert answer.payment_status is None or isinstance(answer.payment_status, int)
