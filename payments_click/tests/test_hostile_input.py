"""Garbage in, Click's -8 (or another negative code) out: HTTP 200 JSON, nothing changed."""

import json
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from auctions.models import PaymentEvent, PaymentStatus
from payments_click.models import ClickTransaction
from payments_click.tests.signed_client import URL_SETS, ClickClient, answer_of

pytestmark = pytest.mark.django_db

URLS = [base + endpoint for base in URL_SETS.values() for endpoint in ("prepare/", "complete/")]
FIELDS = [
    "click_trans_id",
    "service_id",
    "click_paydoc_id",
    "merchant_trans_id",
    "merchant_prepare_id",
    "amount",
    "action",
    "error",
    "error_note",
    "sign_time",
    "sign_string",
]
REQUIRED = [name for name in FIELDS if name not in ("error_note", "merchant_prepare_id")]
INTEGERS = ["click_trans_id", "service_id", "click_paydoc_id", "action", "error"]


def assert_bad_request(answer: dict) -> None:
    assert (answer["error"], answer["error_note"]) == (-8, "Error in request from click")


def assert_untouched(payment) -> None:
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not ClickTransaction.objects.exists()
    assert not PaymentEvent.objects.exists()


@pytest.mark.parametrize("url", URLS)
def test_an_empty_body_is_a_bad_request(client, url):
    answer = answer_of(client.post(url, b"", content_type="application/x-www-form-urlencoded"))

    assert_bad_request(answer)
    assert answer["click_trans_id"] is None
    assert answer["merchant_trans_id"] is None


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "body", [b"{}", b"[]", b'"text"', b"1", b"null", b"{", b'{"amount": NaN}', b"\xff\xfe{}"]
)
def test_json_that_is_not_clicks_object_is_a_bad_request(client, url, body):
    answer = answer_of(client.post(url, body, content_type="application/json"))

    assert_bad_request(answer)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_other_methods_get_a_json_bad_request_never_405(client, url, method):
    response = getattr(client, method)(url)

    assert_bad_request(answer_of(response))


@pytest.mark.parametrize("url", ["/api/payments/click/prepare", "/api/auctions/click/complete"])
def test_the_urls_without_their_slash_answer_too(client, url):
    assert_bad_request(answer_of(client.post(url, {})))


@pytest.mark.parametrize("name", REQUIRED)
def test_a_missing_field_is_a_bad_request(click, payment, name):
    answer = click.prepare(payment, **{name: None})

    assert_bad_request(answer)
    assert_untouched(payment)


@pytest.mark.parametrize("name", REQUIRED)
def test_an_empty_field_is_a_bad_request(click, payment, name):
    assert_bad_request(click.prepare(payment, **{name: ""}))
    assert_untouched(payment)


def test_complete_without_merchant_prepare_id_is_a_bad_request(click, payment):
    prepared = click.prepare(payment)
    fields = click.fields(payment, "1", click_trans_id=str(prepared["click_trans_id"]))

    answer = click.post("complete", fields)

    assert_bad_request(answer)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING


@pytest.mark.parametrize("name", INTEGERS)
@pytest.mark.parametrize(
    "value", ["12a", "1.0", " 1", "+1", "1_0", "١٢", "0x10", "99999999999999999999", "1e3"]
)
def test_a_non_integer_int_field_is_a_bad_request(click, payment, name, value):
    answer = click.prepare(payment, **{name: value})

    assert_bad_request(answer)
    assert_untouched(payment)


@pytest.mark.parametrize("name", ["click_trans_id", "click_paydoc_id", "service_id"])
def test_a_negative_id_is_a_bad_request(click, payment, name):
    assert_bad_request(click.prepare(payment, **{name: "-5"}))


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "99999999999999999999"])
def test_a_non_integer_merchant_prepare_id_is_a_bad_request(click, payment, value):
    answer = click.complete(payment, value)

    assert_bad_request(answer)


def test_a_foreign_service_id_is_a_bad_request(click, payment):
    answer = click.prepare(payment, service_id="54321")  # correctly signed for 54321

    assert_bad_request(answer)
    assert_untouched(payment)


@pytest.mark.parametrize("name", [*REQUIRED, "error_note"])
def test_a_nul_byte_in_any_field_is_a_bad_request(click, payment, name):
    fields = click.fields(payment, "0")
    fields[name] = fields[name] + "\x00" if fields[name] else "\x00"

    assert_bad_request(click.post("prepare", fields))
    assert_untouched(payment)


@pytest.mark.parametrize("name", [*REQUIRED, "error_note"])
def test_a_lone_surrogate_in_json_is_a_bad_request(client, click, payment, name):
    fields = click.fields(payment, "0")
    fields[name] = "\ud800"
    body = json.dumps(fields)  # ensure_ascii writes it as the escape \ud800

    answer = answer_of(
        client.post("/api/payments/click/prepare/", body, content_type="application/json")
    )

    assert_bad_request(answer)
    assert_untouched(payment)


@pytest.mark.parametrize("value", [True, False, None, [], ["2001"], {}, {"a": "1"}])
@pytest.mark.parametrize("name", [*REQUIRED, "error_note"])
def test_json_non_text_values_are_a_bad_request(click, payment, name, value):
    fields = click.fields(payment, "0")
    fields[name] = value

    assert_bad_request(click.post("prepare", fields, as_json=True))
    assert_untouched(payment)


def test_an_overlong_sign_time_is_a_bad_request(click, payment):
    assert_bad_request(click.prepare(payment, sign_time="2025-01-15 10:30:00" * 10))
    assert_untouched(payment)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"click_trans_id=1", "application/x-www-form-urlencoded; charset=no-such-charset"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"click_trans_id=1", "multipart/form-data"),
        (b'{"click_trans_id": "1"}', "text/plain"),
    ],
)
def test_unreadable_bodies_are_a_bad_request(client, body, content_type):
    answer = answer_of(
        client.generic("POST", "/api/payments/click/prepare/", body, content_type=content_type)
    )

    assert_bad_request(answer)


def test_a_huge_body_is_a_bad_request(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = "error_note=" + "x" * 5000

    answer = answer_of(
        client.post(
            "/api/payments/click/prepare/", body, content_type="application/x-www-form-urlencoded"
        )
    )

    assert_bad_request(answer)


# Property-based: whatever arrives, HTTP 200 JSON with a negative code and no state change.

ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.sampled_from(
        ["", "\x00", "\ud800", "0", "1", "-1", "50000", "50000.00", "12345", "AUCTION_"]
    ),
)
BODIES = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), TEXT, max_size=14
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/json; charset=utf-16",
        "",
    ]
)


def form_encoded(fields: dict[str, str]) -> bytes:
    def encode(text: str) -> str:
        return quote(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{encode(key)}={encode(value)}" for key, value in fields.items()).encode()


def assert_refused_without_effect(response, payment) -> None:
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert isinstance(answer["error"], int)
    assert answer["error"] < 0
    assert not ClickTransaction.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


@hypothesis_settings(max_examples=60)
@given(
    fields=BODIES,
    url=st.sampled_from(URLS),
    as_json=st.booleans(),
    aim_at_payment=st.booleans(),
)
def test_random_field_dicts_are_refused_without_effect(
    client, payment, fields, url, as_json, aim_at_payment
):
    if aim_at_payment:  # reach past step 2 more often: a real id, Click's field names
        fields = {"merchant_trans_id": payment.merchant_trans_id, **fields}
    if as_json:
        body = json.dumps(fields).encode()
        content_type = "application/json"
    else:
        body, content_type = form_encoded(fields), "application/x-www-form-urlencoded"

    response = client.post(url, body, content_type=content_type)

    assert_refused_without_effect(response, payment)


@hypothesis_settings(max_examples=60)
@given(body=st.binary(max_size=300), url=st.sampled_from(URLS), content_type=CONTENT_TYPES)
def test_random_bytes_with_any_content_type_are_refused_without_effect(
    client, payment, body, url, content_type
):
    response = client.generic("POST", url, body, content_type=content_type)

    assert_refused_without_effect(response, payment)


SIGNED = ["click_trans_id", "service_id", "merchant_trans_id", "amount", "action", "sign_time"]


@hypothesis_settings(max_examples=60)
@given(
    spoiled=st.sampled_from(SIGNED),
    value=TEXT,
    others=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=3),
    url=st.sampled_from(URLS),
)
def test_a_valid_body_with_hostile_values_is_refused_without_effect(
    click, payment, spoiled, value, others, url
):
    """Start from Click's real signed body and spoil values, at least one of them signed."""
    fields = click.fields(payment, "1" if "complete" in url else "0", merchant_prepare_id="1")
    assume(value != fields[spoiled])
    fields.update(others)
    fields[spoiled] = value

    response = click.client.post(
        url, form_encoded(fields), content_type="application/x-www-form-urlencoded"
    )

    assert_refused_without_effect(response, payment)


def test_callbacks_need_no_csrf_token(payment):
    click = ClickClient(Client(enforce_csrf_checks=True), URL_SETS["live"])

    prepared, completed = click.pay(payment)

    assert (prepared["error"], completed["error"]) == (0, 0)
