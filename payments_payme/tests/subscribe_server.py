"""The Subscribe API fake served over real HTTP on loopback, and a browser-like card client.

Until the Payme sandbox command routes `/api` to it, tests serve SubscribeAPI from a tiny
ThreadingHTTPServer on an ephemeral port and point PAYME_SUBSCRIBE_URL at it.
"""

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from payments_payme.sandbox_subscribe import SMS_CODE, SubscribeAPI

TEST_CARD = "8600 0691 9540 6311"
TEST_EXPIRE = "03/99"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, message_format, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self.path.startswith("/api"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, headers, payload = self.server.api.handle(
            self.command, self.path, dict(self.headers.items()), body
        )
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_GET = do_OPTIONS = _answer  # noqa: N815 -- http.server's naming


class SubscribeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: SubscribeAPI):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/api"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


_ids = itertools.count(1)


def client_call(url: str, merchant_id: str, method: str, params: dict) -> dict:
    """A call as the card page's script makes it: X-Auth with the merchant id only."""
    answer = requests.post(
        url,
        json={"id": next(_ids), "method": method, "params": params},
        headers={"X-Auth": merchant_id},
        timeout=10,
    ).json()
    return answer


def verified_token(url: str, merchant_id: str, number: str = TEST_CARD) -> str:
    """cards.create, cards.get_verify_code, cards.verify: the token the browser gets."""
    created = client_call(
        url,
        merchant_id,
        "cards.create",
        {"card": {"number": number.replace(" ", ""), "expire": "0399"}, "save": True},
    )
    token = created["result"]["card"]["token"]
    sent = client_call(url, merchant_id, "cards.get_verify_code", {"token": token})
    assert sent["result"]["sent"] is True
    verified = client_call(url, merchant_id, "cards.verify", {"token": token, "code": SMS_CODE})
    return verified["result"]["card"]["token"]
