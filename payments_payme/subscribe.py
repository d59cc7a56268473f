"""The Payme Subscribe API client (PROVIDERS 2.7): the only module speaking HTTP to it.

JSON-RPC over POST to PAYME_SUBSCRIBE_URL, signed `X-Auth: {PAYME_MERCHANT_ID}:{key}` with
the key in force (the newest ChangePassword key, else PAYME_KEY; CONTRACT 4), read timeout
at least 10 s. Payme's refusals raise Refused (its code and message, as it gave them); no
readable answer raises Unanswered (the call may or may not have taken effect). One log line
per call; never the token, the key or the X-Auth header.

Reconcile and admin refunds reach card payments through payments_payme.cards.
"""

import itertools
import json
import logging
import re
from decimal import Decimal

import requests
from django.conf import settings

from auctions.crypto import decrypt_text

logger = logging.getLogger("payments")

_ids = itertools.count(1)


class SubscribeError(Exception):
    """A Subscribe API call did not succeed."""


class Refused(SubscribeError):
    """Payme answered with an error: `code` and `message` ({ru, uz, en} or text)."""

    def __init__(self, code: object, message: object, data: object = None):
        super().__init__(f"payme subscribe error {code}")
        self.code, self.message, self.data = code, message, data

    def reason(self) -> dict:
        """The refusal as we store it: the code and Payme's own message."""
        message = self.message
        if isinstance(message, dict):
            message = {key: value for key, value in message.items() if isinstance(value, str)}
        elif not isinstance(message, str):
            message = str(message)
        return {"code": self.code, "message": message}


class Unanswered(SubscribeError):
    """No usable answer (unreachable, timed out, not JSON-RPC): the outcome is unknown."""


def current_key() -> str:
    """The cashbox key in force: the newest ChangePassword key (CONTRACT 4), else PAYME_KEY."""
    from .models import PaymeKeyChange

    encrypted = (
        PaymeKeyChange.objects.order_by("-id").values_list("key_encrypted", flat=True).first()
    )
    if encrypted:
        return decrypt_text(encrypted)
    return settings.PAYME_KEY


def _loggable(value: object) -> str:
    return re.sub(r"[^0-9A-Za-z_.:-]", "?", str(value))[:64] or "-"


def call(method: str, params: dict, *, server: bool = True) -> object:
    """One JSON-RPC call; return its `result` or raise Refused / Unanswered."""
    auth = settings.PAYME_MERCHANT_ID
    if server:
        auth = f"{auth}:{current_key()}"
    body = {"id": next(_ids), "method": method, "params": params}
    subject = params.get("id", "-") if method.startswith("receipts.") else "-"
    try:
        response = requests.post(
            settings.PAYME_SUBSCRIBE_URL,
            data=json.dumps(body),
            headers={
                "X-Auth": auth,
                "Content-Type": "application/json",
                "Cache-Control": "no-cache",
            },
            timeout=(
                settings.PAYME_SUBSCRIBE_CONNECT_TIMEOUT,
                settings.PAYME_SUBSCRIBE_READ_TIMEOUT,
            ),
        )
        answer = json.loads(response.content.decode("utf-8"), parse_float=Decimal)
    except requests.RequestException as error:
        _log(method, subject, "unanswered", type(error).__name__)
        raise Unanswered(f"{method}: {type(error).__name__}") from None
    except ValueError:
        _log(method, subject, "unanswered", f"http_{response.status_code}")
        raise Unanswered(f"{method}: HTTP {response.status_code}, not JSON") from None
    if not isinstance(answer, dict):
        _log(method, subject, "unanswered", "not_an_object")
        raise Unanswered(f"{method}: not a JSON-RPC answer")
    error = answer.get("error")
    if error is not None:
        error = error if isinstance(error, dict) else {"message": error}
        code = error.get("code")
        _log(method, subject, "refused", code)
        raise Refused(code, error.get("message"), error.get("data"))
    if "result" not in answer:
        _log(method, subject, "unanswered", "no_result")
        raise Unanswered(f"{method}: no result")
    _log(method, subject, "ok", 0)
    return answer["result"]


def _log(method: str, subject: object, outcome: str, error: object) -> None:
    logger.info(
        "payme subscribe %s receipt=%s outcome=%s error=%s",
        method,
        _loggable(subject),
        outcome,
        _loggable(error),
    )


def _receipt(result: object, method: str) -> dict:
    receipt = result.get("receipt") if isinstance(result, dict) else None
    if not isinstance(receipt, dict) or not isinstance(receipt.get("_id"), str):
        raise Unanswered(f"{method}: no receipt in the answer")
    return receipt


# -- cards ---------------------------------------------------------------------------------


def check_card(token: str) -> dict:
    """cards.check: the card Payme knows for `token` ({number, expire, recurrent, verify})."""
    result = call("cards.check", {"token": token})
    card = result.get("card") if isinstance(result, dict) else None
    if not isinstance(card, dict):
        raise Unanswered("cards.check: no card in the answer")
    return card


def remove_card(token: str) -> bool:
    result = call("cards.remove", {"token": token})
    return bool(result.get("success")) if isinstance(result, dict) else False


# -- receipts ------------------------------------------------------------------------------


def create_receipt(
    *, amount: int, account: str, hold: bool = False, detail: dict | None = None
) -> dict:
    params = {"amount": amount, "account": {settings.PAYME_ACCOUNT_FIELD: account}}
    if detail:
        params["detail"] = detail
    if hold:
        params["hold"] = True
    return _receipt(call("receipts.create", params), "receipts.create")


def pay_receipt(receipt_id: str, token: str, *, hold: bool = False) -> dict:
    params = {"id": receipt_id, "token": token}
    if hold:
        params["hold"] = True
    return _receipt(call("receipts.pay", params), "receipts.pay")


def cancel_receipt(receipt_id: str) -> dict:
    return _receipt(call("receipts.cancel", {"id": receipt_id}), "receipts.cancel")


def confirm_hold(receipt_id: str) -> dict:
    return _receipt(call("receipts.confirm_hold", {"id": receipt_id}), "receipts.confirm_hold")


def check_receipt(receipt_id: str) -> int:
    result = call("receipts.check", {"id": receipt_id})
    state = result.get("state") if isinstance(result, dict) else None
    if not isinstance(state, int) or isinstance(state, bool):
        raise Unanswered("receipts.check: no state in the answer")
    return state


def card_token(card) -> str:
    return decrypt_text(card.token_encrypted)


# -- for reconcile and admin refunds (issue 15) -------------------------------------------


def check_card_payment(payment) -> str:
    """Settle a processing card payment with receipts.check; return a short outcome."""
    from .cards import settle_card_payment

    return settle_card_payment(payment)


def refund_card_payment(payment) -> str:
    """Cancel a paid card receipt (receipts.cancel); the payment becomes refunded once."""
    from .cards import refund_card_payment as refund

    return refund(payment)
