"""Click's side of the wire: form-encoded (or JSON) requests signed as PROVIDERS.md 1.3 says.

The sign is computed here on its own (not with payments_click.protocol.sign), so a wrong
formula in the app cannot agree with itself.
"""

import hashlib
import itertools
import json

SECRET = "TESTSECRET"
SERVICE_ID = "12345"
MERCHANT_ID = "777"
URL_SETS = {"canonical": "/api/payments/click/", "live": "/api/auctions/click/"}

SIGN_IT = object()
_click_trans_ids = itertools.count(2001)
_click_paydoc_ids = itertools.count(3001)


def click_sign(fields: dict[str, str], secret: str = SECRET) -> str:
    parts = [fields["click_trans_id"], fields["service_id"], secret, fields["merchant_trans_id"]]
    if fields["action"] == "1":
        parts.append(fields["merchant_prepare_id"])
    parts += [fields["amount"], fields["action"], fields["sign_time"]]
    return hashlib.md5("".join(parts).encode()).hexdigest()  # noqa: S324 -- Click's algorithm


class ClickClient:
    """Drive our Prepare and Complete URLs over the Django test client, as Click does."""

    def __init__(self, client, base: str = URL_SETS["canonical"], *, as_json: bool = False):
        self.client = client
        self.base = base
        self.as_json = as_json

    def fields(self, payment, action: str, /, **overrides) -> dict[str, str]:
        """A signed body; overrides are signed too, None drops a field (sign_string too)."""
        merchant_trans_id = getattr(payment, "merchant_trans_id", payment)
        fields = {
            "click_trans_id": str(next(_click_trans_ids)),
            "service_id": SERVICE_ID,
            "click_paydoc_id": str(next(_click_paydoc_ids)),
            "merchant_trans_id": merchant_trans_id,
            "amount": "50000",
            "action": action,
            "error": "0",
            "error_note": "Success",
            "sign_time": "2025-01-15 10:30:00",
        }
        sign_string = overrides.pop("sign_string", SIGN_IT)
        fields.update(overrides)
        fields = {key: value for key, value in fields.items() if value is not None}
        if sign_string is None:
            return fields  # sent without a sign
        if sign_string is SIGN_IT:
            try:
                sign_string = click_sign(fields)
            except KeyError:
                sign_string = "0" * 32  # a field of the formula is missing on purpose
        fields["sign_string"] = sign_string
        return fields

    def post(self, endpoint: str, fields, *, as_json: bool | None = None) -> dict:
        """POST to prepare/ or complete/; return the JSON answer (always HTTP 200)."""
        as_json = self.as_json if as_json is None else as_json
        url = self.base + endpoint + "/"
        if as_json:
            response = self.client.post(url, json.dumps(fields), content_type="application/json")
        else:
            response = self.client.post(url, fields)  # application/x-www-form-urlencoded
        return answer_of(response)

    def prepare(self, payment, /, **overrides) -> dict:
        return self.post("prepare", self.fields(payment, "0", **overrides))

    def complete(self, payment, merchant_prepare_id, *, prepared=None, **overrides) -> dict:
        """Complete; `prepared` (Prepare's answer) supplies click_trans_id by default."""
        if prepared is not None:
            overrides.setdefault("click_trans_id", str(prepared["click_trans_id"]))
        overrides.setdefault("sign_time", "2025-01-15 10:30:05")
        fields = self.fields(
            payment, "1", merchant_prepare_id=str(merchant_prepare_id), **overrides
        )
        return self.post("complete", fields)

    def pay(self, payment, **overrides) -> tuple[dict, dict]:
        """Prepare then Complete, as Click does for a successful card payment."""
        prepared = self.prepare(payment, **overrides)
        completed = self.complete(payment, prepared["merchant_prepare_id"], prepared=prepared)
        return prepared, completed


def answer_of(response) -> dict:
    """Check the envelope every answer must have and return the decoded JSON."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    answer = json.loads(response.content)
    assert isinstance(answer, dict)
    assert {"click_trans_id", "merchant_trans_id", "error", "error_note"} <= set(answer)
    assert len(answer) == 5
    assert isinstance(answer["error"], int)
    return answer
