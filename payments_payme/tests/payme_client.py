"""A test client that calls the endpoint exactly as Payme's servers do: JSON-RPC, Basic auth."""

import base64
import itertools
import json
import time

from django.conf import settings

URL = "/api/payments/payme/"


def basic_header(key: str, login: str = "Paycom") -> str:
    return "Basic " + base64.b64encode(f"{login}:{key}".encode()).decode("ascii")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def account(payment) -> dict:
    return {settings.PAYME_ACCOUNT_FIELD: payment.merchant_trans_id}


def fee_tiyin(payment) -> int:
    return int(payment.amount * 100)


class PaymeClient:
    def __init__(self, client):
        self.client = client
        self.ids = itertools.count(1)

    def post(self, body: bytes | str, *, authorization: str | None = None, **extra):
        """POST a raw body; returns the HTTP response after checking the transport rules."""
        headers = {}
        if authorization is None:
            authorization = basic_header(settings.PAYME_KEY)
        if authorization:
            headers["HTTP_AUTHORIZATION"] = authorization
        response = self.client.post(URL, body, content_type="application/json", **headers, **extra)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=UTF-8"
        return response

    def call(self, method: str, params: object = None, *, key: str | None = None, **extra):
        """One JSON-RPC call; returns the decoded answer (envelope checked)."""
        request_id = next(self.ids)
        body = json.dumps({"method": method, "params": params or {}, "id": request_id})
        authorization = basic_header(key) if key is not None else None
        answer = self.post(body, authorization=authorization, **extra).json()
        assert answer["jsonrpc"] == "2.0"
        assert answer["id"] == request_id
        assert ("result" in answer) != ("error" in answer)
        if "error" in answer:
            assert set(answer["error"]["message"]) == {"ru", "uz", "en"}
        return answer

    def check_perform(self, payment, amount=None, **kwargs):
        amount = fee_tiyin(payment) if amount is None else amount
        return self.call(
            "CheckPerformTransaction", {"amount": amount, "account": account(payment)}, **kwargs
        )

    def create(self, payment, payme_id, *, amount=None, payme_time=None, **kwargs):
        params = {
            "id": payme_id,
            "time": now_ms() if payme_time is None else payme_time,
            "amount": fee_tiyin(payment) if amount is None else amount,
            "account": account(payment),
        }
        return self.call("CreateTransaction", params, **kwargs)

    def perform(self, payme_id, **kwargs):
        return self.call("PerformTransaction", {"id": payme_id}, **kwargs)

    def cancel(self, payme_id, reason=1, **kwargs):
        return self.call("CancelTransaction", {"id": payme_id, "reason": reason}, **kwargs)

    def check(self, payme_id, **kwargs):
        return self.call("CheckTransaction", {"id": payme_id}, **kwargs)

    def statement(self, start, end, **kwargs):
        return self.call("GetStatement", {"from": start, "to": end}, **kwargs)

    def set_fiscal_data(self, payme_id, kind="PERFORM", fiscal_data=None, **kwargs):
        params = {"id": payme_id, "type": kind, "fiscal_data": fiscal_data or {}}
        return self.call("SetFiscalData", params, **kwargs)

    def change_password(self, password, **kwargs):
        return self.call("ChangePassword", {"password": password}, **kwargs)


def error_code(answer: dict) -> int | None:
    return answer["error"]["code"] if "error" in answer else None
