"""A local stand-in for the Medogram gateway: a real HTTP server with in-memory state.

It speaks the four calls of CONTRACT 5 (create, pay page, verify, user info) and has a
control endpoint, POST /__sandbox__/mode (mode=..., optional only=create,verify,user_info
and hang=seconds), to make it answer errors, wrong amounts or factorIds, garbage, drop
connections, or hang past the client's read timeout.
Run it with `python manage.py medogram_sandbox`; tests use start_sandbox(port=0).
"""

import hashlib
import hmac
import html
import itertools
import json
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MODES = ("normal", "error", "wrong_amount", "wrong_factor", "timeout", "garbage", "drop")
CALLS = frozenset({"create", "verify", "user_info"})
PAGE = re.compile(r"/payment/gateway-([0-9]+)-(get|pay|decline)")
DEFAULT_HANG = 12.0  # seconds: past the production read timeout (>= 10 s)


def profile_for(identifier: str) -> dict:
    """The made-up profile the sandbox knows for any identifier (stable per identifier)."""
    digest = hashlib.sha256(identifier.encode()).hexdigest()
    return {
        "first_name": "Sandbox",
        "last_name": "Payer" + digest[:6].upper(),
        "national_code": str(int(digest[:10], 16))[-10:].rjust(10, "0"),
        "mobile": identifier,
        "email": f"payer.{digest[:8]}@sandbox.medogram.test",
    }


@dataclass
class SandboxPayment:
    id_get: int
    amount: str
    factor_id: str
    redirect: str
    state: str = "pending"  # pending, paid, declined
    trans_id: str = ""
    tracking_code: str = ""
    card_number: str = ""


@dataclass
class SandboxState:
    api_key: str = ""  # empty: accept any key
    mode: str = "normal"
    # The calls the mode applies to (create, verify, user_info); empty: all of them.
    only: frozenset[str] = frozenset()
    hang: float = DEFAULT_HANG
    payments: dict[int, SandboxPayment] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Start from the clock so a restarted sandbox never hands out an id_get it gave before.
    ids: itertools.count = field(default_factory=lambda: itertools.count(int(time.time())))

    def key_ok(self, key: str) -> bool:
        if not self.api_key:
            return True
        return hmac.compare_digest(key.encode(), self.api_key.encode())

    def mode_for(self, call: str) -> str:
        return self.mode if not self.only or call in self.only else "normal"

    def count(self, call: str) -> None:
        with self.lock:
            self.calls[call] = self.calls.get(call, 0) + 1


class SandboxHandler(BaseHTTPRequestHandler):
    server_version = "MedogramSandbox/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> SandboxState:
        return self.server.state

    def log_message(self, message_format, *args):
        if getattr(self.server, "verbose", False):
            super().log_message(message_format, *args)

    # Plumbing

    def _form(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        return dict(parse_qsl(body, keep_blank_values=True))

    def _send(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, value, status: int = 200):
        self._send(status, json.dumps(value), "application/json")

    def _redirect(self, location: str):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _misbehave(self, call: str) -> bool:
        """Apply the failure modes every gateway call shares; True when answered."""
        mode = self.state.mode_for(call)
        if mode == "timeout":
            time.sleep(self.state.hang)
            return False  # then answer normally, too late for the client
        if mode == "garbage":
            self._send(200, "<html><body>502 upstream hiccup</body></html>", "text/html")
            return True
        if mode == "drop":
            self.close_connection = True
            self.connection.shutdown(2)  # no answer at all: the client sees a reset
            return True
        return False

    # Routes

    def do_GET(self):  # noqa: N802 -- http.server's naming
        path = urlsplit(self.path).path
        page = PAGE.fullmatch(path)
        if page and page.group(2) == "get":
            return self._pay_page(int(page.group(1)))
        if path == "/__sandbox__/state":
            return self._json(self._snapshot())
        if path == "/":
            return self._send(200, "Medogram sandbox: see /__sandbox__/state\n")
        return self._send(404, "not found\n")

    def do_POST(self):  # noqa: N802 -- http.server's naming
        path = urlsplit(self.path).path
        form = self._form()
        if path == "/payment/gateway-send":
            return self._create(form)
        if path == "/payment/gateway-result-second":
            return self._verify(form)
        if path == "/api/v1/user/info":
            return self._user_info(form)
        page = PAGE.fullmatch(path)
        if page and page.group(2) in ("pay", "decline"):
            return self._pay(int(page.group(1)), paid=page.group(2) == "pay")
        if path == "/__sandbox__/mode":
            return self._set_mode(form)
        return self._send(404, "not found\n")

    def _create(self, form: dict):
        self.state.count("create")
        if self._misbehave("create"):
            return None
        if self.state.mode_for("create") == "error":
            return self._send(200, "-3")
        if not self.state.key_ok(form.get("api", "")):
            return self._send(200, "-1")  # BitPay: the api key is wrong
        amount, factor_id, redirect = (
            form.get("amount", ""),
            form.get("factorId", ""),
            form.get("redirect", ""),
        )
        if not amount.isdigit() or int(amount) <= 0:
            return self._send(200, "-2")  # the amount is wrong
        if not redirect.startswith(("http://", "https://")):
            return self._send(200, "-4")  # the redirect URL is wrong
        with self.state.lock:
            id_get = next(self.state.ids)
            self.state.payments[id_get] = SandboxPayment(id_get, amount, factor_id, redirect)
        return self._send(200, str(id_get))

    def _verify(self, form: dict):
        self.state.count("verify")
        if self._misbehave("verify"):
            return None
        mode = self.state.mode_for("verify")
        if mode == "error":
            return self._json({"status": -2})
        if not self.state.key_ok(form.get("api", "")):
            return self._json({"status": -1})
        try:
            payment = self.state.payments[int(form.get("id_get", ""))]
        except (KeyError, ValueError):
            return self._json({"status": -3})
        if not payment.trans_id or form.get("trans_id") != payment.trans_id:
            return self._json({"status": -3})
        answer = {
            "status": 1 if payment.state == "paid" else -4,
            "amount": int(payment.amount),
            "factorId": payment.factor_id,
            "trans_id": payment.trans_id,
            "id_get": payment.id_get,
            "cardNum": payment.card_number,
        }
        if mode == "wrong_amount":
            answer["amount"] += 1000
        if mode == "wrong_factor":
            answer["factorId"] = "AUCTION_" + "Z" * 20
        return self._json(answer)

    def _user_info(self, form: dict):
        self.state.count("user_info")
        if self._misbehave("user_info"):
            return None
        identifier = form.get("identifier", "")
        if self.state.mode_for("user_info") == "error" or not identifier:
            return self._json({"status": 0, "message": "user not found"})
        return self._json({"status": 1, "data": profile_for(identifier)})

    def _pay_page(self, id_get: int):
        payment = self.state.payments.get(id_get)
        if payment is None:
            return self._send(404, "unknown payment\n")
        body = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Medogram sandbox payment {id_get}</title></head>
<body>
<h1>Medogram sandbox</h1>
<p>Order <code>{html.escape(payment.factor_id)}</code>:
<strong>{html.escape(payment.amount)} rial</strong> ({html.escape(payment.state)})</p>
<form method="post" action="/payment/gateway-{id_get}-pay">
<button type="submit" name="pay" value="1">Pay</button></form>
<form method="post" action="/payment/gateway-{id_get}-decline">
<button type="submit" name="decline" value="1">Decline</button></form>
</body></html>
"""
        return self._send(200, body, "text/html; charset=utf-8")

    def _pay(self, id_get: int, *, paid: bool):
        with self.state.lock:
            payment = self.state.payments.get(id_get)
            if payment is None:
                return self._send(404, "unknown payment\n")
            if payment.state == "pending":
                payment.state = "paid" if paid else "declined"
                payment.trans_id = str(secrets.randbelow(9 * 10**11) + 10**11)
                payment.tracking_code = str(secrets.randbelow(9 * 10**9) + 10**9) if paid else ""
                payment.card_number = "603799******1234" if paid else ""
        parts = urlsplit(payment.redirect)
        query = parse_qsl(parts.query, keep_blank_values=True) + [
            ("trans_id", payment.trans_id),
            ("id_get", str(payment.id_get)),
        ]
        if payment.tracking_code:
            query.append(("tracking_code", payment.tracking_code))
        return self._redirect(urlunsplit(parts._replace(query=urlencode(query))))

    def _set_mode(self, form: dict):
        mode = form.get("mode", "normal")
        if mode not in MODES:
            return self._send(400, f"mode must be one of {', '.join(MODES)}\n")
        try:
            hang = float(form.get("hang") or self.state.hang)
        except ValueError:
            return self._send(400, "hang must be a number of seconds\n")
        only = frozenset(name for name in form.get("only", "").split(",") if name)
        if not only <= CALLS:
            return self._send(400, f"only must list some of {', '.join(sorted(CALLS))}\n")
        self.state.mode, self.state.hang, self.state.only = mode, hang, only
        return self._json({"mode": mode, "hang": hang, "only": sorted(only)})

    def _snapshot(self) -> dict:
        with self.state.lock:
            return {
                "mode": self.state.mode,
                "only": sorted(self.state.only),
                "hang": self.state.hang,
                "calls": dict(self.state.calls),
                "payments": {
                    str(id_get): {
                        "amount": payment.amount,
                        "factorId": payment.factor_id,
                        "state": payment.state,
                        "trans_id": payment.trans_id,
                        "tracking_code": payment.tracking_code,
                    }
                    for id_get, payment in self.state.payments.items()
                },
            }


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, *, api_key: str = "", mode: str = "normal", verbose=False):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        super().__init__(address, SandboxHandler)
        self.state = SandboxState(api_key=api_key, mode=mode)
        self.verbose = verbose

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return  # the client gave up (timeout mode): nothing to report
        super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start_sandbox(
    port: int = 0, *, host: str = "127.0.0.1", api_key: str = "", mode: str = "normal"
) -> tuple[SandboxServer, threading.Thread, str]:
    """Serve the sandbox in a daemon thread; return (server, thread, base_url).

    Stop it with server.shutdown(); server.server_close().
    """
    server = SandboxServer((host, port), api_key=api_key, mode=mode)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="medogram-sandbox", daemon=True
    )
    thread.start()
    return server, thread, server.base_url
