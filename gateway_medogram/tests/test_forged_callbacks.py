"""id_get is guessable: a forged callback must not fail a stranger's payment (CONTRACT 5)."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from auctions.models import PaymentStatus as Status
from gateway_medogram.models import LogKind, MedogramPaymentLog
from gateway_medogram.services import callback_signature

pytestmark = pytest.mark.django_db

CALLBACK = "/api/payments/medogram/callback/"
JSON = {"Accept": "application/json"}


def test_the_callback_url_sent_to_the_gateway_is_signed(start_medogram, sandbox):
    _, payment = start_medogram()

    stored = sandbox.server.state.payments[int(payment.medogram.id_get)]

    query = dict(parse_qsl(urlsplit(stored.redirect).query))
    assert urlsplit(stored.redirect).path == CALLBACK
    assert query == {"sig": callback_signature(payment.merchant_trans_id)}


def test_a_forged_callback_cannot_fail_the_payment_and_the_real_one_completes_it(
    start_medogram, sandbox, client
):
    answer, payment = start_medogram()
    id_get = payment.medogram.id_get

    forged = client.get(CALLBACK, {"trans_id": "123456789", "id_get": id_get}, headers=JSON)

    payment.refresh_from_db()
    assert (forged.json()["status"], payment.status) == ("processing", Status.PROCESSING)
    payment.medogram.refresh_from_db()
    assert payment.medogram.trans_id == ""  # nothing of the forgery kept
    assert MedogramPaymentLog.objects.filter(
        kind=LogKind.CALLBACK, payload__authentic=False
    ).exists()

    real = client.get(sandbox.pay(answer.json()["pay_url"]))  # the payer pays after all

    payment.refresh_from_db()
    assert real.status_code == 302
    assert payment.status == Status.COMPLETED
    assert not payment.needs_refund


def test_a_wrong_signature_is_not_trusted(start_medogram, sandbox, client):
    _, payment = start_medogram()

    client.get(
        CALLBACK,
        {"trans_id": "1", "id_get": payment.medogram.id_get, "sig": "0" * 32},
        headers=JSON,
    )

    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING


def test_an_unsigned_decline_never_fails_the_payment(start_medogram, sandbox, client):
    """CONTRACT 5: an unsigned callback never fails a payment, even one the gateway
    declined; the signed one (or reconciliation) does."""
    answer, payment = start_medogram()
    location = sandbox.pay(answer.json()["pay_url"], decline=True)
    unsigned = {k: v for k, v in parse_qsl(urlsplit(location).query) if k != "sig"}

    declined = client.get(CALLBACK, unsigned, headers=JSON)

    payment.refresh_from_db()
    assert (declined.json()["status"], payment.status) == ("processing", Status.PROCESSING)
    signed = client.get(location, headers=JSON)
    payment.refresh_from_db()
    assert (signed.json()["status"], payment.status) == ("failed", Status.FAILED)


@pytest.mark.parametrize("mode", ["wrong_amount", "wrong_factor"])
def test_an_unsigned_callback_with_a_mismatched_answer_fails_nothing(
    paid_at_gateway, sandbox, client, mode
):
    payment, query = paid_at_gateway
    sandbox.set_mode(mode, only="verify")
    unsigned = {key: value for key, value in query.items() if key != "sig"}

    answer = client.get(CALLBACK, unsigned, headers=JSON)

    payment.refresh_from_db()
    assert (answer.json()["status"], payment.status) == ("processing", Status.PROCESSING)
    assert not payment.events.filter(to_status=Status.FAILED).exists()


def test_an_unsigned_callback_for_a_final_payment_verifies_nothing(
    paid_at_gateway, sandbox, client
):
    payment, query = paid_at_gateway
    client.get(CALLBACK, query, headers=JSON)  # the signed return completes it
    verified = sandbox.state()["calls"]["verify"]
    unsigned = {key: value for key, value in query.items() if key != "sig"}

    answer = client.get(CALLBACK, unsigned, headers=JSON)

    assert answer.json()["status"] == "completed"
    assert sandbox.state()["calls"]["verify"] == verified


def test_a_callback_naming_no_payment_of_ours_writes_no_log_row(sandbox, client, payments_log):
    unknown = client.get(CALLBACK, {"trans_id": "1", "id_get": "987654321"}, headers=JSON)
    invalid = client.get(CALLBACK, {"trans_id": "1", "id_get": "x"}, headers=JSON)

    assert (unknown.status_code, invalid.status_code) == (400, 400)
    assert not MedogramPaymentLog.objects.exists()
    lines = [record.getMessage() for record in payments_log.records]
    assert any("id_get=987654321" in line and "outcome=unknown" in line for line in lines)
    assert any("outcome=invalid" in line for line in lines)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_unsigned_callbacks_verify_one_at_a_time(paid_at_gateway, sandbox):
    import threading

    from django.db import connection
    from django.test import Client

    payment, query = paid_at_gateway
    sandbox.set_mode("timeout", hang=1.0, only="verify")  # each verification takes a second
    unsigned = {key: value for key, value in query.items() if key != "sig"}
    answers = []

    def forge() -> None:
        try:
            answers.append(Client().get(CALLBACK, unsigned, headers=JSON).json()["status"])
        finally:
            connection.close()

    threads = [threading.Thread(target=forge) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sandbox.state()["calls"]["verify"] == 1
    assert sorted(answers) == ["completed"] + ["processing"] * 5
    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert payment.medogram.verifying_until is None  # released


def test_an_id_get_the_gateway_gave_twice_fails_the_second_payment_cleanly(
    start_medogram, sandbox, seller_api
):
    import itertools

    from auctions.tests.factories import AuctionFactory

    _, first = start_medogram()
    sandbox.server.state.ids = itertools.count(int(first.medogram.id_get))  # a restarted gateway
    second_auction = AuctionFactory(
        seller=first.auction.seller, listing__owner=first.auction.seller
    )

    answer = seller_api.post(
        f"/api/auctions/{second_auction.pk}/payments/", {"provider": "medogram"}, format="json"
    )

    assert answer.status_code == 502
    second = second_auction.payments.get()
    assert second.status == Status.FAILED
    first.refresh_from_db()
    assert first.status == Status.PROCESSING


@pytest.fixture
def httpserver_json():
    """httpserver_json(answer) -> the base URL of a loopback server answering it to any POST."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    servers = []

    def serve(answer):
        body = json.dumps(answer).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 -- http.server's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_unreadable_verify_answer_keeps_no_card_number_in_the_log(settings, httpserver_json):
    from gateway_medogram.client import GatewayBadAnswer, MedogramClient

    settings.MEDOGRAM_URL = httpserver_json({"status": "paid?", "cardNum": "6037991234561234"})

    with pytest.raises(GatewayBadAnswer) as raised:
        MedogramClient.from_settings().verify(trans_id="1", id_get="2")

    assert "6037991234561234" not in str(raised.value.answer)
    assert "603799******1234" in str(raised.value.answer)
