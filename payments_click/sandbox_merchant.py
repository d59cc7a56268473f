"""The local copy of Click's Merchant API (PROVIDERS.md 1.9), served under /v2/merchant/.

Transport-free: the Click sandbox's HTTP server hands each request under /v2/merchant/ to
MerchantAPI.handle() and sends back what it returns. The ledger is the sandbox's record of
Click payments: merchant_trans_id -> {payment_id, paydoc_id, amount, status, service_id,
created_ms}, status one of prepared, paid, declined, reversed.
"""

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

PREFIX = "/v2/merchant/"
TASHKENT = timezone(timedelta(hours=5))  # the day of status_by_mti (PROVIDERS.md 1.9)
AUTH_SKEW_SECONDS = 300
# Click's payment_status scale: <0 error, 0 created, 1 processing, 2 paid. The value after a
# reversal is undocumented; the sandbox answers -2.
PAYMENT_STATUS = {"prepared": 1, "paid": 2, "declined": -1, "reversed": -2}
# Merchant-API error codes are undocumented (PROVIDERS.md 1.9): any non-zero is a refusal.
NOT_FOUND = -404
NOT_REVERSIBLE = -409
WRONG_SERVICE = -400

Response = tuple[int, list[tuple[str, str]], bytes]


class MerchantAPI:
    """Answer Click Merchant API requests from the ledger, checking the Auth header."""

    def __init__(self, ledger: dict, service_id, merchant_user_id, secret_key):
        self.ledger = ledger
        self.service_id = str(service_id)
        self.merchant_user_id = str(merchant_user_id)
        self.secret_key = str(secret_key)
        self.lock = threading.Lock()
        # Every reversal accepted, by payment_id: tests count them.
        self.reversals: list[int] = []

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> Response:
        route = urlsplit(path).path
        if not route.startswith(PREFIX):
            return _json(404, {"error_code": NOT_FOUND, "error_note": "Not found"})
        if not self._authorized(headers):
            return _json(401, {"error_code": -401, "error_note": "Unauthorized"})
        parts = [unquote(part) for part in route[len(PREFIX) :].split("/")]
        method = method.upper()
        if method == "GET" and parts[:2] == ["payment", "status"] and len(parts) == 4:
            return self._by_payment_id(parts[2], parts[3], reverse=False)
        if method == "GET" and parts[:2] == ["payment", "status_by_mti"] and len(parts) == 5:
            return self._status_by_mti(parts[2], parts[3], parts[4])
        if method == "DELETE" and parts[:2] == ["payment", "reversal"] and len(parts) == 4:
            return self._by_payment_id(parts[2], parts[3], reverse=True)
        return _json(404, {"error_code": NOT_FOUND, "error_note": "Method not found"})

    def _authorized(self, headers: dict) -> bool:
        value = next((v for k, v in headers.items() if k.lower() == "auth"), "")
        pieces = value.split(":")
        if len(pieces) != 3 or not pieces[2].isdigit():
            return False
        user, digest, stamp = pieces
        if abs(time.time() - int(stamp)) > AUTH_SKEW_SECONDS:
            return False
        expected = hashlib.sha1((stamp + self.secret_key).encode()).hexdigest()  # noqa: S324
        return hmac.compare_digest(user.encode(), self.merchant_user_id.encode()) and (
            hmac.compare_digest(expected.encode(), digest.lower().encode())
        )

    def _find(self, payment_id: str):
        for merchant_trans_id, entry in self.ledger.items():
            if str(entry.get("payment_id")) == payment_id:
                return merchant_trans_id, entry
        return None, None

    def _by_payment_id(self, service_id: str, payment_id: str, *, reverse: bool) -> Response:
        if service_id != self.service_id:
            return _json(200, {"error_code": WRONG_SERVICE, "error_note": "Unknown service"})
        with self.lock:
            _, entry = self._find(payment_id)
            if entry is None:
                return _json(200, {"error_code": NOT_FOUND, "error_note": "Payment not found"})
            if not reverse:
                return _json(200, _status(entry))
            if entry["status"] != "paid":
                return _json(
                    200,
                    {
                        "error_code": NOT_REVERSIBLE,
                        "error_note": f"Payment is {entry['status']}: cannot be reversed",
                        "payment_id": entry["payment_id"],
                    },
                )
            entry["status"] = "reversed"
            self.reversals.append(int(entry["payment_id"]))
            return _json(
                200, {"error_code": 0, "error_note": "Success", "payment_id": entry["payment_id"]}
            )

    def _status_by_mti(self, service_id: str, merchant_trans_id: str, day: str) -> Response:
        if service_id != self.service_id:
            return _json(200, {"error_code": WRONG_SERVICE, "error_note": "Unknown service"})
        with self.lock:
            entry = self.ledger.get(merchant_trans_id)
            if entry is None or _day(entry) != day:
                return _json(200, {"error_code": NOT_FOUND, "error_note": "Payment not found"})
            return _json(200, _status(entry) | {"merchant_trans_id": merchant_trans_id})


def _day(entry: dict) -> str:
    created = datetime.fromtimestamp(int(entry["created_ms"]) / 1000, tz=UTC)
    return created.astimezone(TASHKENT).date().isoformat()


def _status(entry: dict) -> dict:
    status = PAYMENT_STATUS.get(entry["status"], -1)
    return {
        "error_code": 0,
        "error_note": "Success" if status >= 0 else entry["status"],
        "payment_id": entry["payment_id"],
        "payment_status": status,
    }


def _json(status: int, payload: dict) -> Response:
    body = json.dumps(payload).encode()
    return status, [("Content-Type", "application/json")], body
