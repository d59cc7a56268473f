"""The only module speaking HTTP to the Medogram gateway (CONTRACT 5), on a requests Session.

Every call has a connect and a read timeout from settings; failures become one of three
exceptions. Nothing here logs or returns the API key.
"""

import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

import requests
from django.conf import settings

CREATE_PATH = "/payment/gateway-send"
VERIFY_PATH = "/payment/gateway-result-second"
USER_INFO_PATH = "/api/v1/user/info"
VERIFY_ATTEMPTS = 3
RETRY_PAUSE = 0.2  # seconds, times the attempt number
INTEGER = re.compile(r"-?[0-9]{1,18}")
RIAL = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,2})?")
EXCERPT = 200  # characters of an answer kept for the log


class GatewayError(Exception):
    """The gateway did not give a usable answer; `detail` is safe to log."""

    reason = "gateway_error"

    def __init__(self, detail: str, *, answer: str = ""):
        super().__init__(detail)
        self.detail = detail
        self.answer = answer[:EXCERPT]


class GatewayUnreachable(GatewayError):
    reason = "unreachable"


class GatewayBadAnswer(GatewayError):
    reason = "bad_answer"


class GatewayErrorCode(GatewayError):
    reason = "error_code"

    def __init__(self, code: int, *, answer: str = ""):
        super().__init__(f"the gateway answered error code {code}", answer=answer)
        self.code = code


@dataclass(frozen=True)
class Verification:
    """The gateway's verify answer. status 1 is paid; <= 0 an explicit failure."""

    status: int
    amount: Decimal | None
    factor_id: str | None
    trans_id: str | None
    id_get: str | None
    card_number: str
    answer: dict = field(default_factory=dict)

    @property
    def paid(self) -> bool:
        return self.status == 1


def format_rial(amount: Decimal) -> str:
    """Rial on the wire: a whole number as plain digits."""
    if amount != amount.to_integral_value() or amount <= 0:
        raise ValueError(f"{amount} rial is not a positive whole number")
    return str(int(amount))


def parse_rial(value: object) -> Decimal | None:
    """A rial amount from JSON (int, Decimal or digit text); None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and RIAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def parse_status(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str | Decimal):
        return str(value)
    return None


def mask_card(value: object) -> str:
    """Keep at most the first six and last four digits of a card number."""
    digits = re.sub(r"[^0-9*]", "", str(value or ""))[:19]
    if len(digits) <= 10:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


class MedogramClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        connect_timeout: float,
        read_timeout: float,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = (connect_timeout, read_timeout)
        self.session = session or requests.Session()

    @classmethod
    def from_settings(cls) -> "MedogramClient":
        return cls(
            base_url=settings.MEDOGRAM_URL,
            api_key=settings.MEDOGRAM_API_KEY,
            connect_timeout=settings.MEDOGRAM_CONNECT_TIMEOUT,
            read_timeout=settings.MEDOGRAM_READ_TIMEOUT,
        )

    def __repr__(self) -> str:  # never show the key
        return f"MedogramClient({self.base_url!r})"

    def pay_url(self, id_get: str) -> str:
        return f"{self.base_url}/payment/gateway-{id_get}-get"

    def create(self, *, amount: Decimal, factor_id: str, redirect: str) -> str:
        """Open a payment; return the gateway's id_get (positive integer, as text)."""
        text = self._post(
            CREATE_PATH,
            {
                "api": self._api_key,
                "amount": format_rial(amount),
                "factorId": factor_id,
                "redirect": redirect,
            },
        )
        value = text.strip()
        if not INTEGER.fullmatch(value):
            raise GatewayBadAnswer("the create answer is not an integer", answer=text)
        code = int(value)
        if code <= 0:
            raise GatewayErrorCode(code, answer=text)
        return str(code)

    def verify(self, *, trans_id: str, id_get: str) -> Verification:
        """Ask whether a payment went through; retried on connection errors (idempotent)."""
        fields = {"api": self._api_key, "trans_id": trans_id, "id_get": id_get, "json": "1"}
        for attempt in range(1, VERIFY_ATTEMPTS + 1):
            try:
                text = self._post(VERIFY_PATH, fields, retryable=True)
                break
            except _ConnectionFailed as failure:
                if attempt == VERIFY_ATTEMPTS:
                    raise GatewayUnreachable(
                        f"{failure.detail} (after {VERIFY_ATTEMPTS} attempts)"
                    ) from None
                time.sleep(RETRY_PAUSE * attempt)
        answer = self._json_object(text)
        status = parse_status(answer.get("status"))
        if status is None:
            shown = (
                {**answer, "cardNum": mask_card(answer["cardNum"])}
                if "cardNum" in answer
                else answer
            )
            raise GatewayBadAnswer(
                "the verify answer has no integer status", answer=json.dumps(shown)[:500]
            )
        return Verification(
            status=status,
            amount=parse_rial(answer.get("amount")),
            factor_id=_text(answer.get("factorId")),
            trans_id=_text(answer.get("trans_id")),
            id_get=_text(answer.get("id_get")),
            card_number=mask_card(answer.get("cardNum")),
            answer=answer,
        )

    def user_info(self, *, identifier: str, source: str) -> dict:
        """The user's profile as the gateway knows it (personal data: store it encrypted)."""
        text = self._post(USER_INFO_PATH, {"identifier": identifier, "source": source})
        answer = self._json_object(text, keep_answer=False)
        status = parse_status(answer.get("status"))
        if status is None:
            raise GatewayBadAnswer("the user info answer has no integer status")
        if status != 1:
            raise GatewayErrorCode(status)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise GatewayBadAnswer("the user info answer has no data object")
        return data

    def _json_object(self, text: str, *, keep_answer: bool = True) -> dict:
        excerpt = text if keep_answer else ""
        try:
            answer = json.loads(text, parse_float=Decimal)
        except ValueError:
            raise GatewayBadAnswer("the answer is not JSON", answer=excerpt) from None
        if not isinstance(answer, dict):
            raise GatewayBadAnswer("the answer is not a JSON object", answer=excerpt)
        return answer

    def _post(self, path: str, fields: dict, *, retryable: bool = False) -> str:
        url = self.base_url + path
        try:
            response = self.session.post(url, data=fields, timeout=self.timeout)
        except requests.ConnectionError as error:
            # Includes a connect timeout: the request never reached the gateway.
            detail = f"cannot reach the gateway at {path}: {type(error).__name__}"
            if retryable:
                raise _ConnectionFailed(detail) from None
            raise GatewayUnreachable(detail) from None
        except requests.Timeout:
            raise GatewayUnreachable(
                f"the gateway did not answer {path} within {self.timeout[1]}s"
            ) from None
        except requests.RequestException as error:
            raise GatewayUnreachable(f"request to {path} failed: {type(error).__name__}") from None
        text = response.text
        if response.status_code >= 500:
            raise GatewayUnreachable(
                f"the gateway answered HTTP {response.status_code} at {path}", answer=text
            )
        if response.status_code != 200:
            raise GatewayBadAnswer(
                f"the gateway answered HTTP {response.status_code} at {path}", answer=text
            )
        return text


class _ConnectionFailed(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail
