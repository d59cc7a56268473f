"""Click on this machine (CONTRACT 10): the payment page of `pay_url` and Click's callbacks.

`GET /services/pay?service_id=…&merchant_id=…&amount=…&transaction_param=…&return_url=…`
shows the order and a form with two submit buttons, `action=pay` and `action=decline`.
Pay makes the sandbox act as Click's servers: Prepare, then Complete, form-encoded and
signed with the site's own `CLICK_SECRET_KEY` (PROVIDERS 1.3); decline sends Prepare, then
Complete with `error=-5017`, as Click does when the payer gives up. Then the browser gets
a 303 to `return_url`. Faults (auctions/sandbox_http.py): repeat, concurrent, slow, drop,
wrong_amount (one sum more than the page's amount) and bad_sign (signed with another key).

Click's Merchant API fake (payments_click/sandbox_merchant.py, when present) answers under
`/v2/merchant/`; it reads `ledger`, which this sandbox fills: merchant_trans_id ->
{payment_id, paydoc_id, amount, status, service_id, created_ms}.

Run it with `python manage.py click_sandbox`; tests use start_click_sandbox(port=0).
"""

import hashlib
import itertools
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from django.conf import settings

from auctions.money import format_money, format_sum, parse_sum
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

from .sandbox_merchant import MerchantAPI

FAULTS = (*DELIVERY_FAULTS, "wrong_amount", "bad_sign")
PAY_PATH = "/services/pay"
DECLINE_ERROR = "-5017"  # what Click's Complete carries when the payer gave up
DECLINE_NOTE = "Payment cancelled by the payer"
TASHKENT = ZoneInfo("Asia/Tashkent")  # sign_time is Tashkent wall time (PROVIDERS 1.2)
CHECKOUT_FIELDS = (
    "service_id",
    "merchant_id",
    "amount",
    "transaction_param",
    "return_url",
    "merchant_user_id",
    "card_type",
)


class ClickSandbox(ProviderSandbox):
    title = "Click sandbox"
    own_faults = FAULTS
    extension_prefixes = (("/v2/merchant/", "merchant_api"),)

    def __init__(
        self,
        address,
        *,
        site: str,
        service_id: str,
        merchant_id: str,
        secret_key: str,
        merchant_user_id: str = "",
        fault: str | None = None,
        verbose: bool = False,
    ):
        self.service_id = str(service_id)
        self.merchant_id = str(merchant_id)
        self.secret_key = str(secret_key)
        self.merchant_user_id = str(merchant_user_id)
        # The payments Click knows of, by merchant_trans_id; the Merchant API fake reads it.
        self.ledger: dict[str, dict] = {}
        self.merchant_api = MerchantAPI(
            self.ledger, self.service_id, self.merchant_user_id, self.secret_key
        )
        # Ids from the clock, so a restarted sandbox never repeats a click_trans_id.
        self.click_trans_ids = itertools.count(now_ms())
        self.click_paydoc_ids = itertools.count(now_ms() * 10)  # another range, never equal
        super().__init__(address, site=site, fault=fault, verbose=verbose)

    @classmethod
    def from_settings(cls, address, *, site: str | None = None, **options) -> "ClickSandbox":
        """A sandbox signing with the site's own CLICK_* settings."""
        return cls(
            address,
            site=site or default_site(),
            service_id=settings.CLICK_SERVICE_ID,
            merchant_id=settings.CLICK_MERCHANT_ID,
            secret_key=settings.CLICK_SECRET_KEY,
            merchant_user_id=settings.CLICK_MERCHANT_USER_ID,
            **options,
        )

    @property
    def prepare_url(self) -> str:
        return f"{self.site}/api/payments/click/prepare/"

    @property
    def complete_url(self) -> str:
        return f"{self.site}/api/payments/click/complete/"

    def describe(self) -> list[tuple[str, str]]:
        return [
            ("Payment page (CLICK_PAY_URL)", f"{self.base_url}{PAY_PATH}"),
            ("service_id", self.service_id or "(not set)"),
            ("merchant_id", self.merchant_id or "(not set)"),
            ("merchant_user_id", self.merchant_user_id or "(not set)"),
            ("Secret key", "set" if self.secret_key else "(not set: every sign is refused)"),
            ("Prepare", self.prepare_url),
            ("Complete", self.complete_url),
            (
                "Merchant API",
                f"{self.base_url}/v2/merchant/" if self.merchant_api else "(not in this build)",
            ),
        ]

    # -- the payment page -----------------------------------------------------------------

    def route(self, method: str, parts, headers, body: bytes) -> Response:
        if parts.path != PAY_PATH:
            return Response.text("not found\n", status=404)
        if method in ("GET", "HEAD"):
            fields = dict(parse_qsl(parts.query, keep_blank_values=True))
            checkout, problem = self.checkout(fields)
            if problem:
                return Response.html(
                    self.page("Click: cannot pay", f"<p>{escape(problem)}</p>"), 400
                )
            return Response.html(self.pay_page(checkout))
        if method == "POST":
            fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            checkout, problem = self.checkout(fields)
            action = fields.get("action")
            if problem or action not in ("pay", "decline"):
                problem = problem or "action must be pay or decline"
                return Response.html(
                    self.page("Click: cannot pay", f"<p>{escape(problem)}</p>"), 400
                )
            self.run(checkout, action)
            return_url = checkout.get("return_url", "")
            if return_url.startswith(("http://", "https://")):
                return Response.see_other(return_url)
            return Response.see_other(f"{PAY_PATH}?{urlencode(checkout)}")
        return Response.text("GET or POST\n", status=405)

    def checkout(self, fields: dict) -> tuple[dict, str]:
        """The page's fields (PROVIDERS 1.8) checked as Click would; (fields, problem)."""
        checkout = {name: fields[name] for name in CHECKOUT_FIELDS if fields.get(name)}
        if checkout.get("service_id") != self.service_id or not self.service_id:
            return checkout, "Unknown service_id: it is not the service this sandbox serves."
        if self.merchant_id and checkout.get("merchant_id") != self.merchant_id:
            return checkout, "Unknown merchant_id."
        try:
            parse_sum(checkout.get("amount"))
        except ValueError:
            return checkout, "The amount must be a number of sum such as 50000.00."
        order = checkout.get("transaction_param", "")
        if not order or len(order) > 255:
            return checkout, "transaction_param (the order) is missing."
        return checkout, ""

    def pay_page(self, checkout: dict) -> str:
        order = checkout["transaction_param"]
        hidden = "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
            for name, value in checkout.items()
        )
        amount = format_money(parse_sum(checkout["amount"]), "UZS", "en")
        back = f"{PAY_PATH}?{urlencode(checkout)}"
        merchant = escape(checkout.get("merchant_id", ""))
        rows = f"""<tr><th>Merchant</th><td>merchant_id <code>{merchant}</code>,
 service_id <code>{escape(checkout["service_id"])}</code></td></tr>
<tr><th>Order</th><td><code id="order">{escape(order)}</code></td></tr>
<tr><th>Amount</th><td><strong id="amount">{escape(amount)}</strong></td></tr>"""
        return self.checkout_page(
            "Click sandbox: payment",
            rows,
            action=PAY_PATH,
            back=back,
            order=order,
            heading="Callbacks for this order",
            hidden=hidden,
        )

    # -- acting as Click's servers --------------------------------------------------------

    def accepted(self, step) -> bool:
        return isinstance(step.answer, dict) and step.answer.get("error") == 0

    def callback(self, attempt: Attempt, name: str, url: str, fields: dict, *, completing: bool):
        """Sign `fields` as Click does and deliver them with the fault in force."""
        secret = self.secret_key
        if attempt.fault == "bad_sign":
            secret += "-not-the-key"
        fields = {**fields, "sign_string": click_sign(fields, secret)}
        body = urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        shown = {key: value for key, value in fields.items() if key != "sign_string"}

        def send(behaviour: str):
            return self.post(attempt, name, url, body, headers, shown, behaviour)

        return self.deliver(attempt, send, completing=completing)

    def run(self, checkout: dict, action: str) -> Attempt:
        """Prepare, then Complete (error 0 to pay, -5017 to decline); record every answer."""
        order = checkout["transaction_param"]
        attempt = self.new_attempt(order, action)
        amount = checkout["amount"]
        if attempt.fault == "wrong_amount":
            amount = format_sum(parse_sum(amount) + Decimal(1))
        click_trans_id = str(next(self.click_trans_ids))
        # Two numbers, as Click's are: the payer's document number (click_paydoc_id) is also
        # the Merchant API's payment_id (CONTRACT 11); click_trans_id is neither, so code that
        # swaps them fails against the sandbox.
        click_paydoc_id = str(next(self.click_paydoc_ids))
        common = {
            "click_trans_id": click_trans_id,
            "service_id": self.service_id,
            "click_paydoc_id": click_paydoc_id,
            "merchant_trans_id": order,
            "amount": amount,
        }
        prepared = self.callback(
            attempt,
            "Prepare",
            self.prepare_url,
            {
                **common,
                "action": "0",
                "error": "0",
                "error_note": "Success",
                "sign_time": sign_time(),
            },
            completing=False,
        )
        if not self.accepted(prepared):
            attempt.outcome = f"not paid: Prepare answered {answer_text(prepared)}"
            return attempt
        self.record(order, click_trans_id, click_paydoc_id, checkout["amount"], "prepared")
        declined = action == "decline"
        completed = self.callback(
            attempt,
            "Complete",
            self.complete_url,
            {
                **common,
                "merchant_prepare_id": str(prepared.answer.get("merchant_prepare_id")),
                "action": "1",
                "error": DECLINE_ERROR if declined else "0",
                "error_note": DECLINE_NOTE if declined else "Success",
                "sign_time": sign_time(),
            },
            completing=True,
        )
        answers = tally(attempt, "Complete")
        # Click counts money taken once the shop answers 0, or -4 "Already paid" to a retry.
        paid = not declined and any(
            isinstance(step.answer, dict) and step.answer.get("error") in (0, -4)
            for step in attempt.steps
            if step.name == "Complete"
        )
        self.record(
            order,
            click_trans_id,
            click_paydoc_id,
            checkout["amount"],
            "paid" if paid else "declined",
        )
        verdict = "paid" if paid else "declined" if declined else "not paid"
        attempt.outcome = f"{verdict}: Complete answered {answer_text(completed)} ({answers})"
        return attempt

    def record(self, order, click_trans_id, click_paydoc_id, amount, status) -> None:
        """Keep the ledger the Merchant API fake reads (its keys are that module's contract)."""
        with self.lock:
            entry = self.ledger.get(order)
            if entry is None or entry["payment_id"] != int(click_paydoc_id):
                entry = {
                    "payment_id": int(click_paydoc_id),
                    "paydoc_id": int(click_paydoc_id),
                    "amount": amount,
                    "status": status,
                    "service_id": int(self.service_id)
                    if self.service_id.isdigit()
                    else self.service_id,
                    "created_ms": now_ms(),
                }
                self.ledger[order] = entry
            entry["status"] = status

    def state(self) -> dict:
        state = super().state()
        with self.lock:
            state["ledger"] = {order: dict(entry) for order, entry in self.ledger.items()}
        return state


def click_sign(fields: dict[str, str], secret_key: str) -> str:
    """Click's MD5 over the texts sent (PROVIDERS 1.3); Complete's includes the prepare id.

    Written here on its own, not taken from payments_click.protocol: a sandbox that shared
    the site's formula would agree with a wrong one.
    """
    parts = [fields["click_trans_id"], fields["service_id"], secret_key]
    parts.append(fields["merchant_trans_id"])
    if fields["action"] == "1":
        parts.append(fields["merchant_prepare_id"])
    parts += [fields["amount"], fields["action"], fields["sign_time"]]
    return hashlib.md5("".join(parts).encode("utf-8")).hexdigest()  # noqa: S324 -- Click's


def sign_time() -> str:
    return datetime.now(TASHKENT).strftime("%Y-%m-%d %H:%M:%S")


def answer_text(step) -> str:
    if isinstance(step.answer, dict) and "error" in step.answer:
        return f"{step.answer['error']} {step.answer.get('error_note', '')}".strip()
    return step.problem or "nothing"


def tally(attempt: Attempt, name: str) -> str:
    """How the copies of one callback were answered, e.g. "0 x1, -4 x7"."""
    counts: dict[str, int] = {}
    for step in attempt.steps:
        if step.name != name:
            continue
        if isinstance(step.answer, dict) and "error" in step.answer and not step.problem:
            key = str(step.answer["error"])
        elif step.problem.startswith("dropped"):
            key = "dropped"
        elif step.problem.startswith("read after"):
            key = f"late {step.answer.get('error') if isinstance(step.answer, dict) else '?'}"
        else:
            key = "no answer"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key} x{count}" for key, count in counts.items())


def start_click_sandbox(port: int = 0, *, host: str = "127.0.0.1", **options):
    """Serve a sandbox built from settings in a daemon thread; return (server, thread, url)."""
    return start_sandbox(ClickSandbox, "click-sandbox", port, host, **options)
