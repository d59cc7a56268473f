"""Click's Merchant API (PROVIDERS.md 1.9): we ask Click about a payment, or reverse it.

The only module speaking HTTP to Click. Every call is one line on the `payments` logger and
one ClickMerchantCall row (path, HTTP status, Click's answer), never the Auth header.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

import requests
from django.conf import settings

logger = logging.getLogger("payments")

# Click's payment_status scale (PROVIDERS.md 1.9): <0 error, 0 created, 1 processing, 2 paid.
PAID = 2


class MerchantAPIError(Exception):
    """Click could not be asked: unreachable, an HTTP error, or an unreadable answer."""

    def __init__(self, detail: str, *, http_status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.http_status = http_status


@dataclass(frozen=True)
class Answer:
    """Click's JSON answer: error_code 0 is success, any other value a refusal."""

    error_code: int
    error_note: str
    body: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_code == 0

    @property
    def payment_id(self) -> int | None:
        return _integer(self.body.get("payment_id"))

    @property
    def payment_status(self) -> int | None:
        return _integer(self.body.get("payment_status"))


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def auth_header(merchant_user_id: str, secret_key: str, timestamp: int) -> str:
    """`{merchant_user_id}:{sha1(timestamp + secret_key)}:{timestamp}` (PROVIDERS.md 1.9)."""
    stamp = str(timestamp)
    digest = hashlib.sha1((stamp + secret_key).encode()).hexdigest()  # noqa: S324 -- Click's
    return f"{merchant_user_id}:{digest}:{stamp}"


class MerchantAPI:
    """A client of one Click service; `payment` (an AuctionPayment) only labels the log."""

    def __init__(
        self,
        *,
        base_url: str,
        service_id: str,
        merchant_user_id: str,
        secret_key: str,
        connect_timeout: float,
        read_timeout: float,
    ):
        self.base_url = base_url.rstrip("/")
        self.service_id = service_id
        self.merchant_user_id = merchant_user_id
        self._secret_key = secret_key
        self.timeout = (connect_timeout, read_timeout)

    @classmethod
    def from_settings(cls) -> "MerchantAPI":
        return cls(
            base_url=settings.CLICK_MERCHANT_API_URL,
            service_id=settings.CLICK_SERVICE_ID,
            merchant_user_id=settings.CLICK_MERCHANT_USER_ID,
            secret_key=settings.CLICK_SECRET_KEY,
            connect_timeout=settings.CLICK_MERCHANT_API_CONNECT_TIMEOUT,
            read_timeout=settings.CLICK_MERCHANT_API_READ_TIMEOUT,
        )

    def __repr__(self) -> str:  # never show the key
        return f"MerchantAPI({self.base_url!r}, service_id={self.service_id!r})"

    def status_by_mti(self, merchant_trans_id: str, day: date, *, payment=None) -> Answer:
        """GET payment/status_by_mti/{service_id}/{merchant_trans_id}/{YYYY-MM-DD}."""
        path = (
            f"payment/status_by_mti/{quote(self.service_id, safe='')}/"
            f"{quote(merchant_trans_id, safe='')}/{day.isoformat()}"
        )
        return self._call("GET", path, "status_by_mti", payment)

    def payment_status(self, payment_id: int, *, payment=None) -> Answer:
        """GET payment/status/{service_id}/{payment_id}."""
        path = f"payment/status/{quote(self.service_id, safe='')}/{int(payment_id)}"
        return self._call("GET", path, "payment_status", payment)

    def reversal(self, payment_id: int, *, payment=None) -> Answer:
        """DELETE payment/reversal/{service_id}/{payment_id}: the whole payment back."""
        path = f"payment/reversal/{quote(self.service_id, safe='')}/{int(payment_id)}"
        return self._call("DELETE", path, "reversal", payment)

    def _call(self, method: str, path: str, call: str, payment) -> Answer:
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Auth": auth_header(self.merchant_user_id, self._secret_key, int(time.time())),
        }
        started = time.monotonic()
        http_status, answer, error = None, None, None
        try:
            response = requests.request(
                method, f"{self.base_url}/{path}", headers=headers, timeout=self.timeout
            )
            http_status = response.status_code
            answer = _read(response)
        except MerchantAPIError as failure:
            error = failure
        except requests.Timeout:
            error = MerchantAPIError(f"Click did not answer {call} within {self.timeout[1]}s")
        except requests.RequestException as failure:
            error = MerchantAPIError(f"cannot reach Click for {call}: {type(failure).__name__}")
        _record(
            call=call,
            method=method,
            path=path,
            payment=payment,
            http_status=http_status,
            answer=answer,
            error=error,
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )
        if error is not None:
            raise error
        return answer


def _read(response: requests.Response) -> Answer:
    status = response.status_code
    if status not in (200, 201):
        # Auth and transport failures come as HTTP statuses (PROVIDERS.md 1.9).
        raise MerchantAPIError(f"Click answered HTTP {status}", http_status=status)
    try:
        body = json.loads(response.text)
    except ValueError:
        raise MerchantAPIError("Click's answer is not JSON", http_status=status) from None
    if not isinstance(body, dict) or _integer(body.get("error_code")) is None:
        raise MerchantAPIError("Click's answer has no integer error_code", http_status=status)
    note = body.get("error_note")
    return Answer(
        error_code=_integer(body["error_code"]),
        error_note=note if isinstance(note, str) else "",
        body=body,
    )


def _record(*, call, method, path, payment, http_status, answer, error, elapsed_ms) -> None:
    from .models import ClickMerchantCall

    merchant_trans_id = getattr(payment, "merchant_trans_id", "-")
    logger.log(
        logging.WARNING if error or (answer and not answer.ok) else logging.INFO,
        "click merchant_api call=%s merchant_trans_id=%s http=%s error_code=%s "
        "payment_id=%s payment_status=%s elapsed_ms=%s error=%s",
        call,
        merchant_trans_id,
        http_status if http_status is not None else "-",
        answer.error_code if answer else "-",
        answer.payment_id if answer else "-",
        answer.payment_status if answer else "-",
        elapsed_ms,
        error.detail if error else "-",
    )
    ClickMerchantCall.objects.create(
        payment=payment if getattr(payment, "pk", None) else None,
        call=call,
        method=method,
        path=path[:300],
        http_status=http_status,
        error_code=answer.error_code if answer else None,
        error_note=(answer.error_note if answer else error.detail)[:500],
        answer=answer.body if answer else {},
        elapsed_ms=elapsed_ms,
    )
