"""Payme on this machine (CONTRACT 10): the checkout page of `pay_url` and Payme's calls.

`GET /<base64("m=…;ac.order_id=…;a=…;c=…;l=…")>` (PROVIDERS 2.5) shows the order and a
form with two submit buttons, `action=pay` and `action=decline`. Pay makes the sandbox act
as Payme's servers on the site's Merchant API (JSON-RPC, Basic `Paycom:<PAYME_KEY>`):
CheckPerformTransaction, CreateTransaction (a new 24-hex id, 13-digit time),
PerformTransaction; decline cancels the created transaction with reason 3. Then the browser
gets a 303 to `c`. Faults (auctions/sandbox_http.py): repeat, concurrent, slow, drop,
wrong_amount (100 tiyin more than the link's), bad_key (Basic auth with another key) and
timeout (the created transaction is cancelled with reason 4, as Payme does after 12 hours).

Payme's Subscribe API fake (payments_payme/sandbox_subscribe.py, when present) answers at
`/api`; its faults join this sandbox's switch and its page_html() shows on the index page.

Run it with `python manage.py payme_sandbox`; tests use start_payme_sandbox(port=0).
"""

import base64
import binascii
import itertools
import json
import secrets
import time
from decimal import Decimal
from urllib.parse import parse_qsl

from django.conf import settings

from auctions.money import format_money
from auctions.sandbox_http import (
    DELIVERY_FAULTS,
    Attempt,
    ProviderSandbox,
    Response,
    default_site,
    escape,
    now_ms,
    start_sandbox,
)

from .sandbox_subscribe import SubscribeAPI

FAULTS = (*DELIVERY_FAULTS, "wrong_amount", "bad_key", "timeout")
REASON_EXECUTION_ERROR = 3  # the payer gave up
REASON_TIMEOUT = 4


def payme_id() -> str:
    """A Payme-style id: 24 hex digits, seconds first like a MongoDB ObjectId."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


def decode_link(token: str) -> dict[str, str] | None:
    """The params of a checkout link's path (PROVIDERS 2.5), or None when unreadable."""
    try:
        text = base64.b64decode(token.encode("ascii"), validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeError):
        return None
    params = {}
    for part in text.split(";"):
        name, separator, value = part.partition("=")
        if not separator or not name:
            return None
        params[name] = value
    return params


class PaymeSandbox(ProviderSandbox):
    title = "Payme sandbox"
    own_faults = FAULTS
    extension_prefixes = (("/api", "subscribe_api"),)

    def __init__(
        self,
        address,
        *,
        site: str,
        merchant_id: str,
        key: str,
        fault: str | None = None,
        verbose: bool = False,
    ):
        self.merchant_id = str(merchant_id)
        self.key = str(key)
        self.request_ids = itertools.count(1)
        self.subscribe_api = SubscribeAPI(self.merchant_id, lambda: self.key, site.rstrip("/"))
        super().__init__(address, site=site, fault=fault, verbose=verbose)

    @classmethod
    def from_settings(cls, address, *, site: str | None = None, **options) -> "PaymeSandbox":
        """A sandbox authenticating with the site's own PAYME_* settings."""
        return cls(
            address,
            site=site or default_site(),
            merchant_id=settings.PAYME_MERCHANT_ID,
            key=settings.PAYME_KEY,
            **options,
        )

    @property
    def endpoint(self) -> str:
        return f"{self.site}/api/payments/payme/"

    def describe(self) -> list[tuple[str, str]]:
        return [
            ("Checkout (PAYME_CHECKOUT_URL)", self.base_url),
            ("Merchant id", self.merchant_id or "(not set)"),
            ("Key", "set" if self.key else "(not set: every call is refused)"),
            ("Merchant API called", self.endpoint),
            (
                "Subscribe API",
                f"{self.base_url}/api" if self.subscribe_api else "(not in this build)",
            ),
        ]

    # -- the checkout page ----------------------------------------------------------------

    def route(self, method: str, parts, headers, body: bytes) -> Response:
        token = parts.path.lstrip("/")
        params = decode_link(token) if token else None
        if params is None:
            return Response.text("not found\n", status=404)
        checkout, problem = self.checkout(params)
        if problem:
            return Response.html(self.page("Payme: cannot pay", f"<p>{escape(problem)}</p>"), 400)
        if method in ("GET", "HEAD"):
            return Response.html(self.pay_page(checkout, parts.path))
        if method == "POST":
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            action = form.get("action")
            if action not in ("pay", "decline"):
                return Response.html(self.page("Payme: cannot pay", "<p>Pay or decline.</p>"), 400)
            self.run(checkout, action)
            return_url = checkout["return_url"]
            if return_url.startswith(("http://", "https://")):
                return Response.see_other(return_url)
            return Response.see_other(parts.path)
        return Response.text("GET or POST\n", status=405)

    def checkout(self, params: dict) -> tuple[dict, str]:
        """The link's params checked as Payme would; ({account, tiyin, return_url}, problem)."""
        if not self.merchant_id or params.get("m") != self.merchant_id:
            return {}, "Unknown merchant (m): not the cashbox this sandbox serves."
        account = {name[3:]: value for name, value in params.items() if name.startswith("ac.")}
        if not account or not all(account.values()):
            return {}, "The link names no account (ac.…)."
        amount = params.get("a", "")
        if not amount.isdigit() or int(amount) <= 0:
            return {}, "The amount (a) must be a positive number of tiyin."
        checkout = {
            "account": account,
            "tiyin": int(amount),
            "return_url": params.get("c", ""),
            "language": params.get("l", ""),
        }
        return checkout, ""

    def order_of(self, checkout: dict) -> str:
        account = checkout["account"]
        return account.get(settings.PAYME_ACCOUNT_FIELD) or next(iter(account.values()))

    def pay_page(self, checkout: dict, path: str) -> str:
        order = self.order_of(checkout)
        amount = format_money(Decimal(checkout["tiyin"]) / 100, "UZS", "en")
        account = ", ".join(f"{name} = {value}" for name, value in checkout["account"].items())
        rows = f"""<tr><th>Merchant</th><td><code>{escape(self.merchant_id)}</code></td></tr>
<tr><th>Order</th><td><code id="order">{escape(order)}</code>
 <small>({escape(account)})</small></td></tr>
<tr><th>Amount</th><td><strong id="amount">{escape(amount)}</strong>
 <small>({checkout["tiyin"]} tiyin)</small></td></tr>"""
        return self.checkout_page(
            "Payme sandbox: checkout",
            rows,
            action=path,
            back=path,
            order=order,
            heading="Calls for this order",
        )

    # -- acting as Payme's servers --------------------------------------------------------

    def accepted(self, step) -> bool:
        return isinstance(step.answer, dict) and "result" in step.answer

    def call(self, attempt: Attempt, method: str, params: dict, *, completing: bool = False):
        """One JSON-RPC call with Basic auth, delivered with the fault in force."""
        key = self.key + "-not-the-key" if attempt.fault == "bad_key" else self.key
        body = json.dumps(
            {"method": method, "params": params, "id": next(self.request_ids)}
        ).encode()
        credentials = base64.b64encode(f"Paycom:{key}".encode()).decode("ascii")
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "Authorization": f"Basic {credentials}",
        }
        shown = {"method": method, "params": params}

        def send(behaviour: str):
            return self.post(attempt, method, self.endpoint, body, headers, shown, behaviour)

        return self.deliver(attempt, send, completing=completing)

    def run(self, checkout: dict, action: str) -> Attempt:
        """CheckPerform, Create, then Perform (pay) or Cancel (decline, timeout)."""
        attempt = self.new_attempt(self.order_of(checkout), action)
        tiyin = checkout["tiyin"] + (100 if attempt.fault == "wrong_amount" else 0)
        account = checkout["account"]
        check = self.call(attempt, "CheckPerformTransaction", {"amount": tiyin, "account": account})
        if not self.accepted(check):
            attempt.outcome = f"not paid: CheckPerformTransaction answered {answer_text(check)}"
            return attempt
        transaction_id = payme_id()
        create = self.call(
            attempt,
            "CreateTransaction",
            {"id": transaction_id, "time": now_ms(), "amount": tiyin, "account": account},
        )
        if not self.accepted(create):
            attempt.outcome = f"not paid: CreateTransaction answered {answer_text(create)}"
            return attempt
        if action == "decline" or attempt.fault == "timeout":
            reason = REASON_EXECUTION_ERROR if action == "decline" else REASON_TIMEOUT
            final = self.call(
                attempt,
                "CancelTransaction",
                {"id": transaction_id, "reason": reason},
                completing=True,
            )
            verdict = "cancelled" if self.accepted(final) else "not cancelled"
        else:
            final = self.call(
                attempt, "PerformTransaction", {"id": transaction_id}, completing=True
            )
            verdict = "paid" if self.accepted(final) else "not paid"
        attempt.outcome = f"{verdict}: {final.name} answered {answer_text(final)}"
        return attempt


def answer_text(step) -> str:
    answer = step.answer
    if isinstance(answer, dict) and isinstance(answer.get("result"), dict):
        result = answer["result"]
        shown = {key: result[key] for key in ("allow", "state", "reason") if key in result}
        return json.dumps(shown) if shown else "a result"
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        error = answer["error"]
        message = error.get("message")
        if isinstance(message, dict):
            message = message.get("en") or next(iter(message.values()), "")
        return f"error {error.get('code')} {message or ''}".strip()
    return step.problem or "nothing"


def start_payme_sandbox(port: int = 0, *, host: str = "127.0.0.1", **options):
    """Serve a sandbox built from settings in a daemon thread; return (server, thread, url)."""
    return start_sandbox(PaymeSandbox, "payme-sandbox", port, host, **options)
