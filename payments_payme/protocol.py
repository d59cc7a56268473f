"""The Payme wire (PROVIDERS Part 2): envelope, authorization, errors, params, checkout link.

One decorator, `payme_endpoint`, turns every outcome into an HTTP 200 JSON-RPC answer; the
services raise the error classes below and never see HTTP.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from auctions import providers
from auctions.models import MERCHANT_TRANS_ID_PATTERN
from auctions.money import sum_to_tiyin

from .models import PaymeKeyChange

logger = logging.getLogger("payments")

LOGIN = b"Paycom:"
REQUIRED_SETTINGS = ("PAYME_MERCHANT_ID", "PAYME_KEY")  # CONTRACT 6: offered only with both
CONTENT_TYPE = "application/json; charset=UTF-8"
CHECKOUT_HOST = "https://checkout.paycom.uz"
CHECKOUT_TEST_HOST = "https://test.paycom.uz"
MERCHANT_TRANS_ID = re.compile(MERCHANT_TRANS_ID_PATTERN)
MAX_ID_LENGTH = 64
MAX_BIGINT = 2**63 - 1  # every Payme time and amount goes into a BigIntegerField


# -- errors (PROVIDERS 2.2) --------------------------------------------------------------


class PaymeError(Exception):
    """A JSON-RPC error answer; `data` names the offending field."""

    code = -32400
    message = {"ru": "Системная ошибка", "uz": "Tizim xatosi", "en": "System error"}

    def __init__(self, data: object = None):
        super().__init__(f"payme error {self.code}")
        self.data = data


class SystemFailure(PaymeError):
    code = -32400


class NotPost(PaymeError):
    code = -32300
    message = {
        "ru": "Метод запроса должен быть POST",
        "uz": "So'rov usuli POST bo'lishi kerak",
        "en": "The request method must be POST",
    }


class ParseError(PaymeError):
    code = -32700
    message = {"ru": "Ошибка разбора JSON", "uz": "JSON tahlil xatosi", "en": "JSON parse error"}


class InvalidRequest(PaymeError):
    code = -32600
    message = {
        "ru": "Отсутствуют обязательные поля или неверный тип полей",
        "uz": "Majburiy maydonlar yo'q yoki maydon turi noto'g'ri",
        "en": "Required fields are missing or have the wrong type",
    }


class MethodNotFound(PaymeError):
    code = -32601
    message = {"ru": "Метод не найден", "uz": "Usul topilmadi", "en": "Method not found"}


class InsufficientPrivilege(PaymeError):
    code = -32504
    message = {
        "ru": "Недостаточно привилегий для выполнения метода",
        "uz": "Usulni bajarish uchun huquqlar yetarli emas",
        "en": "Insufficient privileges to perform this method",
    }


class WrongAmount(PaymeError):
    code = -31001
    message = {"ru": "Неверная сумма", "uz": "Noto'g'ri summa", "en": "Wrong amount"}


class TransactionNotFound(PaymeError):
    code = -31003
    message = {
        "ru": "Транзакция не найдена",
        "uz": "Tranzaksiya topilmadi",
        "en": "Transaction not found",
    }


class CannotCancel(PaymeError):
    code = -31007
    message = {
        "ru": "Невозможно отменить транзакцию: услуга оказана",
        "uz": "Tranzaksiyani bekor qilib bo'lmaydi: xizmat ko'rsatilgan",
        "en": "Cannot cancel the transaction: the service has been delivered",
    }


class CannotPerform(PaymeError):
    code = -31008
    message = {
        "ru": "Невозможно выполнить операцию",
        "uz": "Amalni bajarib bo'lmaydi",
        "en": "Unable to perform this operation",
    }


class AccountNotFound(PaymeError):
    """-31050: no such account (missing, malformed, unknown, not a Payme payment)."""

    code = -31050
    message = {"ru": "Заказ не найден", "uz": "Buyurtma topilmadi", "en": "Order not found"}

    def __init__(self):
        super().__init__(settings.PAYME_ACCOUNT_FIELD)


class AccountNotPayable(PaymeError):
    """-31099: the payment cannot take money (closed, or its auction paid or not waiting)."""

    code = -31099
    message = {
        "ru": "Заказ не может быть оплачен",
        "uz": "Buyurtmani to'lab bo'lmaydi",
        "en": "The order cannot be paid",
    }

    def __init__(self):
        super().__init__(settings.PAYME_ACCOUNT_FIELD)


# -- authorization (PROVIDERS 2.1, CONTRACT 4) -------------------------------------------

# After ChangePassword the key in force is the newest PaymeKeyChange row, not PAYME_KEY.
# Reading that row on every request would cost a query per call (issue 7), so each process
# keeps it here. Django's cache cannot share it between gunicorn workers (no CACHES is
# configured: it is a per-process LocMemCache, and no Redis is guaranteed, CONTRACT 8), so
# the database stays the shared truth and each process re-reads the row:
#   - at most every KEY_RECHECK_SECONDS while the presented key matches, so an old key
#     stops working in every worker within seconds of a change made in another one;
#   - at once when the presented key does not match, so a new key set through another
#     worker works on its first request (a refused request costs one indexed query);
#   - at once after ChangePassword runs in this process (invalidate_key_cache).
KEY_RECHECK_SECONDS = 5.0
_UNLOADED = object()


class _KeyCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.key_sha256: object = _UNLOADED
        self.loaded_at = 0.0

    def current(self, *, reload: bool = False) -> str | None:
        """The SHA-256 hex of the key set by ChangePassword, or None: PAYME_KEY is in force."""
        with self.lock:
            fresh = time.monotonic() - self.loaded_at < KEY_RECHECK_SECONDS
            if not reload and fresh and self.key_sha256 is not _UNLOADED:
                return self.key_sha256
        newest = PaymeKeyChange.objects.order_by("-id").values_list("key_sha256", flat=True)
        key_sha256 = newest.first()
        with self.lock:
            self.key_sha256, self.loaded_at = key_sha256, time.monotonic()
        return key_sha256

    def invalidate(self) -> None:
        with self.lock:
            self.key_sha256, self.loaded_at = _UNLOADED, 0.0


_key_cache = _KeyCache()


def invalidate_key_cache() -> None:
    """Forget the cached key now and again when the changing transaction commits."""
    _key_cache.invalidate()
    transaction.on_commit(_key_cache.invalidate)


@functools.lru_cache(maxsize=8)
def _expected_credentials(key: str) -> bytes:
    # Computed once per PAYME_KEY value, so a test's settings override is honoured.
    return LOGIN + key.encode("utf-8")


def _decoded_credentials(header: str) -> bytes | None:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(token.strip().encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        return None


def _matches(credentials: bytes, key_sha256: str | None) -> bool:
    if key_sha256 is None:
        key = settings.PAYME_KEY
        return bool(key) and hmac.compare_digest(credentials, _expected_credentials(key))
    # The whole decoded bytes are checked: the fixed login prefix, then the rest (which may
    # itself hold ':' or '=') by its digest; no split(':').
    login_ok = hmac.compare_digest(credentials[: len(LOGIN)], LOGIN)
    digest = hashlib.sha256(credentials[len(LOGIN) :]).hexdigest().encode("ascii")
    return hmac.compare_digest(digest, key_sha256.encode("ascii")) and login_ok


def authorized(header: str) -> bool:
    """Whether an Authorization header carries Basic base64("Paycom:" + the key in force)."""
    credentials = _decoded_credentials(header)
    if credentials is None:
        return False
    if _matches(credentials, _key_cache.current()):
        return True
    return _matches(credentials, _key_cache.current(reload=True))


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            logger.error("payme PAYME_ALLOWED_IPS entry is not an address: %r", entry)
    return tuple(networks)


def address_allowed(remote_addr: str) -> bool:
    """The optional allow-list (off when empty); never instead of the key check."""
    entries = tuple(settings.PAYME_ALLOWED_IPS or ())
    if not entries:
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in _networks(entries))


# -- params ------------------------------------------------------------------------------


MAX_JSON_DEPTH = 32  # fiscal data is two levels deep; deeper is not Payme's


def storable_json(value: object) -> bool:
    """Whether every text in `value` can be stored, within MAX_JSON_DEPTH (no recursion)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        if isinstance(item, str):
            if not providers.storable(item):
                return False
        elif isinstance(item, dict):
            if not all(providers.storable(key) for key in item):
                return False
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return True


def is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def text_param(params: dict, name: str) -> str:
    value = params.get(name)
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= MAX_ID_LENGTH
        or not providers.storable(value)
    ):
        raise InvalidRequest(name)
    return value


def integer_param(params: dict, name: str, *, minimum: int = 0) -> int:
    value = params.get(name)
    if not is_integer(value) or not minimum <= value <= MAX_BIGINT:
        raise InvalidRequest(name)
    return value


def object_param(params: dict, name: str) -> dict:
    value = params.get(name)
    if not isinstance(value, dict) or not storable_json(value):
        raise InvalidRequest(name)
    return value


def amount_param(params: dict) -> int:
    """Tiyin as a JSON int (PROVIDERS 2.3): not a bool, not 5000000.0; else -31001."""
    value = params.get("amount")
    if not is_integer(value) or not 0 < value <= MAX_BIGINT:
        raise WrongAmount("amount")
    return value


def account_param(params: dict) -> str:
    """The merchant_trans_id named by PAYME_ACCOUNT_FIELD; -31050 when absent or malformed."""
    account = params.get("account")
    value = account.get(settings.PAYME_ACCOUNT_FIELD) if isinstance(account, dict) else None
    if not isinstance(value, str) or not MERCHANT_TRANS_ID.fullmatch(value):
        raise AccountNotFound()
    return value


def receipt_detail(auction_id: int, amount: Decimal) -> dict:
    """The fiscal `detail` of CheckPerformTransaction (PROVIDERS 2.4): one item, the fee."""
    return {
        "receipt_type": 0,
        "items": [
            {
                "title": f"Auction listing fee #{auction_id}",
                "price": sum_to_tiyin(amount),
                "count": 1,
                "code": str(settings.PAYME_FISCAL_IKPU),
                "package_code": str(settings.PAYME_FISCAL_PACKAGE_CODE),
                "vat_percent": int(settings.PAYME_FISCAL_VAT_PERCENT),
            }
        ],
    }


# -- the endpoint ------------------------------------------------------------------------


@dataclass
class Call:
    """What one call's log line reports; services fill in what they learn."""

    request_id: object = None
    method: str = "-"
    payme_id: str = "-"
    merchant_trans_id: str = "-"
    outcome: str = "-"


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity are not numbers in JSON


def parse_body(body: bytes) -> object:
    try:
        return json.loads(
            body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant
        )
    except (ValueError, RecursionError):
        raise ParseError() from None


def _request_id(payload: object) -> object:
    request_id = payload.get("id") if isinstance(payload, dict) else None
    if isinstance(request_id, str | int) and not isinstance(request_id, bool):
        return request_id
    return None


def error_answer(request_id: object, error: PaymeError) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": error.code, "message": error.message, "data": error.data},
    }


def _loggable(value: object) -> str:
    return re.sub(r"[^0-9A-Za-z_.:-]", "?", str(value))[:64] or "-"


def _dispatch(request, handlers: dict, call: Call) -> dict:
    if request.method != "POST":
        raise NotPost()
    try:
        body = request.body
    except RequestDataTooBig:
        body = None
    payload, parse_error = None, None
    try:
        payload = parse_body(body) if body is not None else None
        call.request_id = _request_id(payload)
        if isinstance(payload, dict) and isinstance(payload.get("method"), str):
            call.method = _loggable(payload["method"])  # so a refused call names its method
    except ParseError as error:
        parse_error = error
    if not address_allowed(request.META.get("REMOTE_ADDR", "")):
        raise InsufficientPrivilege("ip")
    if not authorized(request.META.get("HTTP_AUTHORIZATION", "")):
        raise InsufficientPrivilege("Authorization")
    if not settings.PAYME_MERCHANT_ID:
        # CONTRACT 6: a Payme not offered to sellers takes no payment either.
        raise InsufficientPrivilege("PAYME_MERCHANT_ID")
    if body is None:
        raise InvalidRequest("body")
    if parse_error is not None:
        raise parse_error
    if not isinstance(payload, dict):
        raise InvalidRequest("request")
    method = payload.get("method")
    if not isinstance(method, str):
        raise InvalidRequest("method")
    if not isinstance(payload.get("params"), dict):
        raise InvalidRequest("params")
    handler = handlers.get(method)
    if handler is None:
        raise MethodNotFound(method[:MAX_ID_LENGTH] if providers.storable(method) else "method")
    result = handler(payload["params"], call)
    return {"jsonrpc": "2.0", "id": call.request_id, "result": result}


def payme_endpoint(handlers: dict):
    """The view: every request gets HTTP 200 and one JSON-RPC answer, and one log line."""

    @csrf_exempt
    def view(request):
        call = Call()
        error = None
        try:
            answer = _dispatch(request, handlers, call)
            call.outcome = "ok" if call.outcome == "-" else call.outcome
        except PaymeError as refusal:
            error = refusal
        except Exception:
            # The services' transaction has been rolled back by the exception.
            logger.exception("payme unexpected method=%s payme_id=%s", call.method, call.payme_id)
            error = SystemFailure()
        if error is not None:
            answer = error_answer(call.request_id, error)
            call.outcome = "refused" if call.outcome == "-" else call.outcome
        logger.info(
            "payme %s payme_id=%s merchant_trans_id=%s outcome=%s error=%s",
            call.method,
            _loggable(call.payme_id),
            _loggable(call.merchant_trans_id),
            call.outcome,
            error.code if error else 0,
        )
        return JsonResponse(answer, content_type=CONTENT_TYPE)

    return view


# -- checkout link (PROVIDERS 2.5) -------------------------------------------------------


def checkout_link(
    *,
    host: str,
    merchant_id: str,
    account_field: str,
    merchant_trans_id: str,
    tiyin: int,
    return_url: str | None = None,
    lang: str | None = "ru",
) -> str:
    """{host}/{base64("m=…;ac.<field>=…;a=…;c=…;l=…")}, standard base64 with padding."""
    params = [f"m={merchant_id}", f"ac.{account_field}={merchant_trans_id}", f"a={tiyin}"]
    if return_url:
        params.append("c=" + return_url.replace(";", "%3B"))  # ';' separates the params
    if lang:
        params.append(f"l={lang}")
    encoded = base64.b64encode(";".join(params).encode("utf-8")).decode("ascii")
    return f"{host}/{encoded}"


def pay_url(payment, request) -> str:
    """The checkout page the seller's browser goes to (registered in PaymeConfig.ready)."""
    return checkout_link(
        host=checkout_host(),
        merchant_id=settings.PAYME_MERCHANT_ID,
        account_field=settings.PAYME_ACCOUNT_FIELD,
        merchant_trans_id=payment.merchant_trans_id,
        tiyin=sum_to_tiyin(payment.amount),
        return_url=providers.result_url(payment.merchant_trans_id, request),
        lang="ru",
    )


def checkout_host() -> str:
    """PAYME_CHECKOUT_URL (e.g. the local sandbox), else Payme's host for the mode."""
    if settings.PAYME_CHECKOUT_URL:
        return settings.PAYME_CHECKOUT_URL
    return CHECKOUT_TEST_HOST if settings.PAYME_TEST_MODE else CHECKOUT_HOST
