"""A local Payme Subscribe API (PROVIDERS 2.7): cards, receipts, holds, and faults.

Served by the Payme sandbox at `/api` (any HTTP server can route to `SubscribeAPI.handle`).
State lives in memory. Cards use the sandbox test cards and SMS code of PROVIDERS 2.7.
When `site_url` is set, paying a receipt calls the site's Merchant API as Payme does
(CheckPerformTransaction, CreateTransaction, then PerformTransaction unless it is a hold;
confirm_hold performs, cancel cancels), authorised with the key in force.

Faults (`set_fault`): insufficient_funds (receipts.pay refused), lost_pay (receipts.pay
takes effect and its answer is lost: HTTP 504 with no body), cancel_fails and
capture_fails (receipts.cancel / receipts.confirm_hold refused, nothing changes),
unavailable (every server call answers HTTP 503).
"""

import base64
import html
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

SMS_CODE = "666666"
TEST_CARDS = {
    "8600069195406311": None,  # succeeds
    "8600495473316478": None,  # succeeds
    "8600060921090842": (-31301, "SMS informing is not connected to the card"),
    "3333336415804657": (-31301, "The card has expired"),
    "4444445987459073": (-31301, "The card is blocked"),
    "8600143417770323": (-31001, "Unknown system error"),
}
TEST_EXPIRE = "0399"
CLIENT_METHODS = ("cards.create", "cards.get_verify_code", "cards.verify")
FAULTS = ("insufficient_funds", "lost_pay", "cancel_fails", "capture_fails", "unavailable")


def _message(en: str, ru: str, uz: str) -> dict:
    return {"en": en, "ru": ru, "uz": uz}


MESSAGES = {
    -31303: _message(
        "Insufficient funds on the card",
        "Недостаточно средств на карте",
        "Kartada mablag' yetarli emas",
    ),
    -31400: _message("Card not found", "Карта не найдена", "Karta topilmadi"),
    -31103: _message("Wrong SMS code", "Неверный код", "SMS kod noto'g'ri"),
    -31300: _message(
        "Invalid card number or expiry",
        "Неверный номер карты или срок",
        "Karta raqami yoki muddati noto'g'ri",
    ),
    -31602: _message("Receipt not found", "Чек не найден", "Chek topilmadi"),
    -31630: _message("The card was refused", "Карта отклонена", "Karta rad etildi"),
    -31001: _message(
        "Payme is temporarily unavailable",
        "Сервер Payme недоступен",
        "Payme vaqtincha ishlamayapti",
    ),
    -32504: _message("Access denied", "Доступ запрещён", "Ruxsat yo'q"),
    -32600: _message("Invalid request", "Неверный запрос", "Noto'g'ri so'rov"),
    -32601: _message("Method not found", "Метод не найден", "Usul topilmadi"),
    -32700: _message("Parse error", "Ошибка разбора", "Tahlil xatosi"),
}


class SandboxRefusal(Exception):
    def __init__(self, code: int, message: object = None):
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES.get(code, _message("Error", "Ошибка", "Xato"))


@dataclass
class Card:
    token: str
    number: str
    expire: str
    verified: bool = False
    removed: bool = False
    refusal: tuple | None = None

    def public(self) -> dict:
        masked = self.number[:6] + "******" + self.number[-4:]
        return {
            "number": masked,
            "expire": f"{self.expire[:2]}/{self.expire[2:]}",
            "token": self.token,
            "recurrent": True,
            "verify": self.verified,
        }


@dataclass
class Receipt:
    id: str
    amount: int
    account: dict
    hold: bool
    state: int = 0
    create_time: int = 0
    pay_time: int = 0
    cancel_time: int = 0
    card: dict | None = None
    payme_id: str = ""
    error: dict | None = None

    def public(self) -> dict:
        return {
            "_id": self.id,
            "create_time": self.create_time,
            "pay_time": self.pay_time,
            "cancel_time": self.cancel_time,
            "state": self.state,
            "type": 2,
            "external": False,
            "operation": -1,
            "category": None,
            "error": self.error,
            "description": "",
            "detail": None,
            "amount": self.amount,
            "currency": 860,
            "commission": 0,
            "account": [{"name": k, "title": k, "value": v} for k, v in self.account.items()],
            "card": self.card,
            "merchant": {"_id": "sandbox"},
            "meta": {"source": "subscribe", "owner": "sandbox"},
            "processing_id": None,
        }


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class SubscribeAPI:
    merchant_id: str
    key_getter: Callable[[], str]
    site_url: str = ""
    faults: tuple[str, ...] = FAULTS
    fault: str | None = None
    cards: dict[str, Card] = field(default_factory=dict)
    receipts: dict[str, Receipt] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def set_fault(self, name: str | None) -> None:
        if name and name not in self.faults:
            raise ValueError(f"fault must be one of {', '.join(self.faults)}")
        self.fault = name or None

    # -- HTTP ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict, body: bytes):
        """Answer one HTTP request to /api: (status, headers, body)."""
        cors = [
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Headers", "Content-Type, X-Auth, Cache-Control"),
            ("Access-Control-Allow-Methods", "POST, OPTIONS"),
            ("Access-Control-Max-Age", "600"),
        ]
        if method == "OPTIONS":
            return 204, cors, b""
        json_headers = [*cors, ("Content-Type", "application/json; charset=utf-8")]
        request_id = None
        try:
            if method != "POST":
                raise SandboxRefusal(-32300, _message("Use POST", "Только POST", "Faqat POST"))
            try:
                payload = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise SandboxRefusal(-32700) from None
            if not isinstance(payload, dict):
                raise SandboxRefusal(-32600)
            request_id = payload.get("id")
            rpc_method, params = payload.get("method"), payload.get("params")
            if not isinstance(rpc_method, str) or not isinstance(params, dict):
                raise SandboxRefusal(-32600)
            handler = getattr(self, "_" + rpc_method.replace(".", "_"), None)
            if handler is None:
                raise SandboxRefusal(-32601)
            self._authorize(rpc_method, _header(headers, "X-Auth"))
            with self.lock:
                self.calls[rpc_method] = self.calls.get(rpc_method, 0) + 1
            if self.fault == "unavailable" and rpc_method not in CLIENT_METHODS:
                return 503, json_headers, b""
            result = handler(params)
            if rpc_method == "receipts.pay" and self.fault == "lost_pay":
                return 504, cors, b""  # it happened; the answer is lost on the way
            answer = {"jsonrpc": "2.0", "id": request_id, "result": result}
        except SandboxRefusal as refusal:
            error = {"code": refusal.code, "message": refusal.message}
            answer = {"jsonrpc": "2.0", "id": request_id, "error": error}
        return 200, json_headers, json.dumps(answer).encode()

    def _authorize(self, rpc_method: str, x_auth: str) -> None:
        if rpc_method in CLIENT_METHODS:
            if x_auth.split(":", 1)[0] != self.merchant_id:
                raise SandboxRefusal(-32504)
            return
        if not secrets.compare_digest(
            x_auth.encode(), f"{self.merchant_id}:{self.key_getter()}".encode()
        ):
            raise SandboxRefusal(-32504)

    def page_html(self) -> str:
        """A snippet for the sandbox's page: the test cards and the SMS code."""
        rows = "".join(
            f"<li><code>{number[:4]} {number[4:8]} {number[8:12]} {number[12:]}</code>"
            f" {html.escape('succeeds' if refusal is None else refusal[1])}</li>"
            for number, refusal in TEST_CARDS.items()
        )
        faults = ", ".join(self.faults)
        return (
            '<section id="subscribe-api"><h2>Subscribe API (/api)</h2>'
            f"<p>Test card <code>8600 0691 9540 6311</code>, expiry <code>03/99</code>, "
            f"SMS code <code>{SMS_CODE}</code>.</p><ul>{rows}</ul>"
            f"<p>Faults: {html.escape(faults)}; now: "
            f"<code>{html.escape(self.fault or 'none')}</code>.</p></section>"
        )

    # -- cards ---------------------------------------------------------------------------

    def _card(self, params: dict, *, verified: bool = True) -> Card:
        token = params.get("token")
        card = self.cards.get(token) if isinstance(token, str) else None
        if card is None or card.removed or (verified and not card.verified):
            raise SandboxRefusal(-31400)
        return card

    def _cards_create(self, params: dict) -> dict:
        card = params.get("card")
        if not isinstance(card, dict):
            raise SandboxRefusal(-32602, MESSAGES[-32600])
        number = "".join(ch for ch in str(card.get("number", "")) if ch.isdigit())
        expire = "".join(ch for ch in str(card.get("expire", "")) if ch.isdigit())
        if len(number) != 16 or len(expire) != 4:
            raise SandboxRefusal(-31300)
        if number not in TEST_CARDS:
            raise SandboxRefusal(-31300)
        refusal = TEST_CARDS[number]
        if expire != TEST_EXPIRE and refusal is None:
            raise SandboxRefusal(-31300)
        token = base64.urlsafe_b64encode(secrets.token_bytes(36)).decode()
        with self.lock:
            self.cards[token] = Card(token, number, expire, refusal=refusal)
        return {"card": self.cards[token].public()}

    def _cards_get_verify_code(self, params: dict) -> dict:
        card = self._card(params, verified=False)
        if card.refusal and card.refusal[0] == -31301:
            raise SandboxRefusal(
                -31301, _message(card.refusal[1], card.refusal[1], card.refusal[1])
            )
        return {"sent": True, "phone": "99890*****31", "wait": 60000}

    def _cards_verify(self, params: dict) -> dict:
        card = self._card(params, verified=False)
        if params.get("code") != SMS_CODE:
            raise SandboxRefusal(-31103)
        card.verified = True
        return {"card": card.public()}

    def _cards_check(self, params: dict) -> dict:
        return {"card": self._card(params, verified=False).public()}

    def _cards_remove(self, params: dict) -> dict:
        card = self._card(params, verified=False)
        card.removed = True
        return {"success": True}

    # -- receipts ------------------------------------------------------------------------

    def _receipt(self, params: dict) -> Receipt:
        receipt = self.receipts.get(params.get("id")) if isinstance(params.get("id"), str) else None
        if receipt is None:
            raise SandboxRefusal(-31602)
        return receipt

    def _receipts_create(self, params: dict) -> dict:
        amount, account = params.get("amount"), params.get("account")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise SandboxRefusal(
                -31610, _message("Wrong amount", "Неверная сумма", "Noto'g'ri summa")
            )
        if not isinstance(account, dict) or not account:
            raise SandboxRefusal(-31610, MESSAGES[-32600])
        receipt_id = secrets.token_hex(12)
        with self.lock:
            self.receipts[receipt_id] = Receipt(
                receipt_id,
                amount,
                dict(account),
                bool(params.get("hold")),
                create_time=_now_ms(),
            )
        return {"receipt": self.receipts[receipt_id].public()}

    def _receipts_pay(self, params: dict) -> dict:
        with self.lock:
            receipt = self._receipt(params)
            if receipt.state in (4, 5):
                raise SandboxRefusal(
                    -31602,
                    _message("The receipt is already paid", "Чек уже оплачен", "Chek to'langan"),
                )
            if receipt.state == 50:
                raise SandboxRefusal(-31602)
            card = self._card(params)
            if card.refusal:
                code, text = card.refusal
                raise SandboxRefusal(code, _message(text, text, text))
            if self.fault == "insufficient_funds":
                raise SandboxRefusal(-31303)
            hold = bool(params.get("hold")) and receipt.hold
            receipt.card = {"number": card.public()["number"], "expire": card.public()["expire"]}
        self._merchant_calls(receipt, perform=not hold)
        with self.lock:
            if receipt.error:
                receipt.state = 50
                raise SandboxRefusal(-31630, receipt.error.get("message"))
            receipt.state = 5 if hold else 4
            receipt.pay_time = _now_ms()
            return {"receipt": receipt.public()}

    def _receipts_confirm_hold(self, params: dict) -> dict:
        with self.lock:
            receipt = self._receipt(params)
            if self.fault == "capture_fails":
                raise SandboxRefusal(-31001)
            if receipt.state != 5:
                raise SandboxRefusal(
                    -31602,
                    _message("The receipt is not held", "Чек не заблокирован", "Chek bloklanmagan"),
                )
            receipt.state = 4
        self._merchant_call("PerformTransaction", {"id": receipt.payme_id}, receipt)
        return {"receipt": receipt.public()}

    def _receipts_cancel(self, params: dict) -> dict:
        with self.lock:
            receipt = self._receipt(params)
            if self.fault == "cancel_fails":
                raise SandboxRefusal(-31001)
            if receipt.state == 50:
                raise SandboxRefusal(
                    -31602,
                    _message(
                        "The receipt is already cancelled", "Чек уже отменён", "Chek bekor qilingan"
                    ),
                )
            receipt.state = 50
            receipt.cancel_time = _now_ms()
        self._merchant_call("CancelTransaction", {"id": receipt.payme_id, "reason": 5}, receipt)
        return {"receipt": receipt.public()}

    def _receipts_check(self, params: dict) -> dict:
        return {"state": self._receipt(params).state}

    def _receipts_get(self, params: dict) -> dict:
        return {"receipt": self._receipt(params).public()}

    # -- Payme calling the site's Merchant API -------------------------------------------

    def _merchant_calls(self, receipt: Receipt, *, perform: bool) -> None:
        if not self.site_url:
            return
        receipt.payme_id = receipt.payme_id or secrets.token_hex(12)
        params = {"amount": receipt.amount, "account": receipt.account}
        steps = [
            ("CheckPerformTransaction", params),
            ("CreateTransaction", {**params, "id": receipt.payme_id, "time": _now_ms()}),
        ]
        if perform:
            steps.append(("PerformTransaction", {"id": receipt.payme_id}))
        for method, step_params in steps:
            answer = self._merchant_call(method, step_params, receipt)
            if answer is None or "error" in answer:
                error = (answer or {}).get("error") or {"message": MESSAGES[-31630]}
                receipt.error = {"code": error.get("code"), "message": error.get("message")}
                return

    def _merchant_call(self, method: str, params: dict, receipt: Receipt) -> dict | None:
        if not self.site_url or not receipt.payme_id:
            return None
        auth = base64.b64encode(f"Paycom:{self.key_getter()}".encode()).decode()
        try:
            response = requests.post(
                f"{self.site_url.rstrip('/')}/api/payments/payme/",
                json={"id": next(self._ids), "method": method, "params": params},
                headers={"Authorization": f"Basic {auth}"},
                timeout=15,
            )
            return response.json()
        except (requests.RequestException, ValueError):
            return None


def _header(headers: dict, name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""
