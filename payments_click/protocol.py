"""Click SHOP-API on the wire: parsing, the sign, error codes and answers (PROVIDERS.md Part 1)."""

import functools
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from auctions import payment_flow, providers
from auctions.models import MERCHANT_TRANS_ID_PATTERN
from auctions.money import format_sum

logger = logging.getLogger("payments")

PROVIDER = "click"
PREPARE, COMPLETE = 0, 1
ACTION_NAMES = {PREPARE: "prepare", COMPLETE: "complete"}
PAY_PAGE = "https://my.click.uz/services/pay"
REQUIRED_SETTINGS = ("CLICK_SERVICE_ID", "CLICK_MERCHANT_ID", "CLICK_SECRET_KEY")

BIGINT_MAX = 2**63 - 1
INTEGER = re.compile(r"-?[0-9]{1,19}")
MERCHANT_TRANS_ID = re.compile(MERCHANT_TRANS_ID_PATTERN)
SIGN_TIME_MAX_LENGTH = 64  # ClickTransaction.sign_time; Click sends 19 characters
ECHO_MAX_LENGTH = 255


# Errors: one class per wire code (1.5). Services raise them; click_endpoint answers them.


class ClickError(Exception):
    code, note = -8, "Error in request from click"
    outcome = "bad_request"

    # Our ClickTransaction id, once the refusal comes after the row was found (1.4).
    transaction_id: int | None = None

    def __init__(self, detail: str = "", *, outcome: str | None = None):
        super().__init__(detail or self.note)
        if outcome:
            self.outcome = outcome


BadRequest = ClickError


class BadSign(ClickError):
    code, note, outcome = -1, "SIGN CHECK FAILED!", "bad_sign"


class IncorrectAmount(ClickError):
    code, note, outcome = -2, "Incorrect parameter amount", "wrong_amount"


class ActionNotFound(ClickError):
    code, note, outcome = -3, "Action not found", "unknown_action"


class AlreadyPaid(ClickError):
    code, note, outcome = -4, "Already paid", "already_paid"


class UserDoesNotExist(ClickError):
    """No Click payment with this merchant_trans_id (Click calls an order a "user")."""

    code, note, outcome = -5, "User does not exist", "unknown_payment"


class TransactionDoesNotExist(ClickError):
    code, note, outcome = -6, "Transaction does not exist", "unknown_transaction"


class FailedToUpdate(ClickError):
    code, note, outcome = -7, "Failed to update user", "failed_to_update"


class LockTimeout(FailedToUpdate):
    """-7 for a row lock not granted within CALLBACK_LOCK_TIMEOUT: nothing changed."""

    outcome = "lock_timeout"


class TransactionCancelled(ClickError):
    code, note, outcome = -9, "Transaction cancelled", "cancelled"


# A refused transition of the state machine that services did not handle themselves.
FROM_DOMAIN = {
    payment_flow.AlreadyPaid: AlreadyPaid,
    payment_flow.AuctionCancelled: TransactionCancelled,
    payment_flow.AuctionEnded: TransactionCancelled,  # CONTRACT 1: -9
    payment_flow.LockTimeout: LockTimeout,
}


# Reading the body (1.1).


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON value Click sends")


def parse_fields(request) -> dict[str, object] | None:
    """The body as a dict (form or JSON, values as their literal text); None if unreadable."""
    try:
        if request.content_type == "application/json" or request.content_type.endswith("+json"):
            fields = json.loads(
                request.body,
                parse_int=str,
                parse_float=str,
                parse_constant=_reject_constant,
            )
            return fields if isinstance(fields, dict) else None
        # Form (and multipart, for a person testing with curl -F); other types read as empty.
        return {key: request.POST.get(key) for key in request.POST}
    except Exception:  # any unreadable body is Click's -8, never a 500
        return None


def _clean_text(value: object) -> str | None:
    """The value if it is text the database can store, else None."""
    return value if isinstance(value, str) and providers.storable(value) else None


def _integer(value: str, *, minimum: int) -> int | None:
    if not INTEGER.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= BIGINT_MAX else None


# The sign (1.3).


def sign(
    *,
    click_trans_id: str,
    service_id: str,
    secret_key: str,
    merchant_trans_id: str,
    merchant_prepare_id: str | None,
    amount: str,
    action: str,
    sign_time: str,
) -> str:
    """Click's MD5 over the raw received texts; Complete's includes merchant_prepare_id."""
    parts = [click_trans_id, service_id, secret_key, merchant_trans_id]
    if merchant_prepare_id is not None:
        parts.append(merchant_prepare_id)
    parts += [amount, action, sign_time]
    text = "".join(parts).encode("utf-8")
    return hashlib.md5(text).hexdigest()  # noqa: S324 -- Click's algorithm, not our choice


@dataclass(frozen=True)
class ClickRequest:
    """A Prepare or Complete that passed steps 1-5 of 1.6; amount is still raw text."""

    click_trans_id: int
    service_id: int
    click_paydoc_id: int
    merchant_trans_id: str
    merchant_prepare_id: int | None
    amount_text: str
    action: int
    error: int
    error_note: str
    sign_time: str

    @property
    def ids(self) -> dict:
        """Click's ids, for the audit trail (PaymentEvent.reference)."""
        return {"click_trans_id": self.click_trans_id, "click_paydoc_id": self.click_paydoc_id}

    @classmethod
    def parse(cls, fields: dict | None, *, endpoint: int) -> "ClickRequest":
        """Check the body in the order of 1.6, steps 1 to 5; raise the first failure."""
        if fields is None:
            raise BadRequest("unreadable body")  # step 1
        text = {}  # step 2: every field we read must be clean text
        for name in (
            "click_trans_id",
            "service_id",
            "click_paydoc_id",
            "merchant_trans_id",
            "amount",
            "action",
            "error",
            "sign_time",
            "sign_string",
        ):
            value = _clean_text(fields.get(name))
            if not value:
                raise BadRequest(f"{name} missing or not text")
            text[name] = value
        error_note = _clean_text(fields.get("error_note", ""))
        if error_note is None:
            raise BadRequest("error_note not text")
        numbers = {
            name: _integer(text[name], minimum=minimum)
            for name, minimum in (
                ("click_trans_id", 0),
                ("service_id", 0),
                ("click_paydoc_id", 0),
                ("action", -BIGINT_MAX),
                ("error", -BIGINT_MAX),
            )
        }
        for name, number in numbers.items():
            if number is None:
                raise BadRequest(f"{name} is not an integer")
        merchant_prepare_id = None
        if numbers["action"] == COMPLETE:
            text["merchant_prepare_id"] = _clean_text(fields.get("merchant_prepare_id"))
            if not text["merchant_prepare_id"]:
                raise BadRequest("merchant_prepare_id missing or not text")
            merchant_prepare_id = _integer(text["merchant_prepare_id"], minimum=0)
            if merchant_prepare_id is None:
                raise BadRequest("merchant_prepare_id is not an integer")
        if len(text["sign_time"]) > SIGN_TIME_MAX_LENGTH:
            raise BadRequest("sign_time too long")

        check_sign(text)  # step 3
        if not _is_our_service(text["service_id"]):  # step 4
            raise BadRequest("foreign service_id")
        if not all(getattr(settings, name) for name in REQUIRED_SETTINGS):
            # CONTRACT 6: a Click not offered to sellers takes no payment either.
            raise BadRequest("Click is not configured", outcome="not_configured")
        if numbers["action"] != endpoint:  # step 5
            raise ActionNotFound()
        if endpoint == COMPLETE and numbers["error"] > 0:
            # 1.2: 0 is "money debited", < 0 "Click failed"; anything else completes nothing.
            raise BadRequest("error above 0 on Complete")
        return cls(
            click_trans_id=numbers["click_trans_id"],
            service_id=numbers["service_id"],
            click_paydoc_id=numbers["click_paydoc_id"],
            merchant_trans_id=text["merchant_trans_id"],
            merchant_prepare_id=merchant_prepare_id,
            amount_text=text["amount"],
            action=numbers["action"],
            error=numbers["error"],
            error_note=error_note,
            sign_time=text["sign_time"],
        )

    @property
    def well_formed_merchant_trans_id(self) -> bool:
        return MERCHANT_TRANS_ID.fullmatch(self.merchant_trans_id) is not None


def check_sign(text: dict[str, str]) -> None:
    """Raise BadSign unless sign_string is Click's MD5 of the received texts (constant time)."""
    secret_key = str(settings.CLICK_SECRET_KEY or "")
    if not secret_key:
        # Without a key anyone could sign: refuse every callback until it is configured.
        raise BadSign("CLICK_SECRET_KEY is not set")
    expected = sign(
        click_trans_id=text["click_trans_id"],
        service_id=text["service_id"],
        secret_key=secret_key,
        merchant_trans_id=text["merchant_trans_id"],
        merchant_prepare_id=text.get("merchant_prepare_id"),
        amount=text["amount"],
        action=text["action"],
        sign_time=text["sign_time"],
    )
    received = text["sign_string"].lower().encode("utf-8")
    if not hmac.compare_digest(expected.encode("ascii"), received):
        raise BadSign()


def _is_our_service(received: str) -> bool:
    ours = str(settings.CLICK_SERVICE_ID or "").strip()
    return bool(INTEGER.fullmatch(ours)) and int(ours) == int(received)


# Answers (1.4): all five keys, our id null when there is none (yet).


def _our_id_key(endpoint: int) -> str:
    return "merchant_confirm_id" if endpoint == COMPLETE else "merchant_prepare_id"


def success_answer(incoming: ClickRequest, transaction_id: int, *, endpoint: int) -> dict:
    return {
        "click_trans_id": incoming.click_trans_id,
        "merchant_trans_id": incoming.merchant_trans_id,
        _our_id_key(endpoint): transaction_id,
        "error": 0,
        "error_note": "Success",
    }


def error_answer(fields: dict | None, error: ClickError, *, endpoint: int) -> dict:
    """Click's error answer, echoing its ids when they are readable."""
    fields = fields or {}
    click_trans_id = _clean_text(fields.get("click_trans_id"))
    merchant_trans_id = _clean_text(fields.get("merchant_trans_id"))
    if merchant_trans_id is not None and len(merchant_trans_id) > ECHO_MAX_LENGTH:
        merchant_trans_id = None
    return {
        "click_trans_id": _integer(click_trans_id, minimum=0) if click_trans_id else None,
        "merchant_trans_id": merchant_trans_id,
        _our_id_key(endpoint): error.transaction_id,
        "error": error.code,
        "error_note": error.note,
    }


# Logging: one line per callback, ids and outcome only, never the sign or the key.


def _loggable(value: object) -> str:
    text = _clean_text(value)
    if text is None or not text:
        return "-"
    text = text[:64]
    return text if text.isascii() and text.isprintable() and " " not in text else ascii(text)


def log_callback(endpoint: int, fields: dict | None, answer: dict, outcome: str) -> None:
    level = logging.INFO
    if outcome == "charged_twice":
        level = logging.ERROR
    elif answer["error"] == FailedToUpdate.code:
        level = logging.WARNING
    fields = fields or {}
    logger.log(
        level,
        "click %s merchant_trans_id=%s click_trans_id=%s outcome=%s error=%s",
        ACTION_NAMES[endpoint],
        _loggable(fields.get("merchant_trans_id")),
        _loggable(fields.get("click_trans_id")),
        outcome,
        answer["error"],
    )


def click_endpoint(endpoint: int):
    """Make `handle(incoming) -> answer` a Click callback view: HTTP 200 JSON for any input."""

    def decorate(handle):
        @csrf_exempt
        @functools.wraps(handle)
        def view(request, *args, **kwargs):
            fields = None
            outcome = "completed" if endpoint == COMPLETE else "prepared"
            try:
                if request.method != "POST":
                    raise BadRequest(f"method {request.method}", outcome="bad_method")
                fields = parse_fields(request)
                answer = handle(ClickRequest.parse(fields, endpoint=endpoint))
            except ClickError as error:
                answer, outcome = error_answer(fields, error, endpoint=endpoint), error.outcome
            except payment_flow.PaymentFlowError as error:
                refusal = FROM_DOMAIN.get(type(error), FailedToUpdate)()
                answer, outcome = error_answer(fields, refusal, endpoint=endpoint), refusal.outcome
            except Exception:
                logger.exception(
                    "click %s unexpected merchant_trans_id=%s",
                    ACTION_NAMES[endpoint],
                    _loggable((fields or {}).get("merchant_trans_id")),
                )
                refusal = FailedToUpdate()  # rolled back: services' atomic() did not commit
                answer, outcome = error_answer(fields, refusal, endpoint=endpoint), refusal.outcome
            log_callback(endpoint, fields, answer, outcome)
            return JsonResponse(answer)

        return view

    return decorate


# The payment page (1.8).


def pay_url(payment, request) -> str:
    """Click's payment page for this payment, returning the seller to the result page."""
    query = [
        ("service_id", settings.CLICK_SERVICE_ID),
        ("merchant_id", settings.CLICK_MERCHANT_ID),
        ("amount", format_sum(payment.amount)),
        ("transaction_param", payment.merchant_trans_id),
    ]
    return_url = providers.result_url(payment.merchant_trans_id, request)
    if return_url:
        query.append(("return_url", return_url))
    if settings.CLICK_MERCHANT_USER_ID:
        query.append(("merchant_user_id", settings.CLICK_MERCHANT_USER_ID))
    return f"{settings.CLICK_PAY_URL or PAY_PAGE}?{urlencode(query)}"
