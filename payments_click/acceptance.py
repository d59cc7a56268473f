"""Click's SHOP-API codes (PROVIDERS 1.5-1.7) checked against any shop's Prepare URL.

The first order: a bad sign -1, a wrong amount -2, an unknown action -3, an unknown order
-5, a missing field -8, Prepare 0 and its repeat, Complete of an unknown prepare id -6,
Complete 0 and its repeat -4; it ends completed. A second order, when given: Prepare 0,
Complete with an error -9, then a new Prepare -9: it ends failed.
Used by `python manage.py click_check`.
"""

import itertools
import random
import string
import time
from decimal import Decimal, InvalidOperation

import requests

from auctions.acceptance import Steps, Unreachable, post_json, shown

from .sandbox import DECLINE_ERROR, DECLINE_NOTE, click_sign, sign_time

TIMEOUT = 15


def complete_url_of(prepare_url: str) -> str:
    """The Complete URL: the Prepare URL with its last `prepare` replaced (CONTRACT 10)."""
    head, separator, tail = prepare_url.rpartition("prepare")
    if not separator:
        raise ValueError("the URL names no 'prepare' to replace with 'complete'")
    return f"{head}complete{tail}"


def unknown_order(known: str) -> str:
    alphabet = string.ascii_uppercase + string.digits
    if known.startswith("AUCTION_"):
        return "AUCTION_" + "".join(random.choices(alphabet, k=20))  # noqa: S311 -- not a secret
    return known + "-UNKNOWN-" + "".join(random.choices(alphabet, k=8))  # noqa: S311


def more(amount: str) -> str:
    """The amount plus one sum, written the same way."""
    value = Decimal(amount) + 1
    places = len(amount.partition(".")[2])
    return f"{value:.{places}f}"


def received(answer: dict) -> str:
    if "error" in answer:
        note = answer.get("error_note")
        return f"error {answer['error']}" + (f" ({note})" if note else "")
    return shown(answer)


class ClickAcceptance:
    def __init__(
        self,
        prepare_url: str,
        *,
        service_id: str,
        secret_key: str,
        orders: list[str],
        amount: str,
        write,
    ):
        self.prepare_url = prepare_url
        self.complete_url = complete_url_of(prepare_url)
        self.service_id = service_id
        self.secret_key = secret_key
        self.orders = orders
        self.amount = amount
        self.steps = Steps(write)
        start = time.time_ns() // 1_000_000
        self.click_trans_ids = itertools.count(start)
        self.click_paydoc_ids = itertools.count(start + 10**13)
        self.session = requests.Session()

    # -- the wire ------------------------------------------------------------------------

    def fields(self, order: str, action: str, **overrides) -> dict:
        """A signed body; `secret` signs with another key, None values are left out."""
        secret = overrides.pop("secret", self.secret_key)
        fields = {
            "click_trans_id": str(next(self.click_trans_ids)),
            "service_id": self.service_id,
            "click_paydoc_id": str(next(self.click_paydoc_ids)),
            "merchant_trans_id": order,
            "amount": self.amount,
            "action": action,
            "error": "0",
            "error_note": "Success",
            "sign_time": sign_time(),
            **overrides,
        }
        fields = {name: value for name, value in fields.items() if value is not None}
        fields["sign_string"] = click_sign(fields, secret)
        return fields

    def post(self, url: str, fields: dict) -> dict:
        return post_json(self.session, url, data=fields, timeout=TIMEOUT)

    def prepare(self, order: str, **overrides) -> tuple[dict, dict]:
        fields = self.fields(order, overrides.pop("action", "0"), **overrides)
        return fields, self.post(self.prepare_url, fields)

    def complete(self, prepared: dict, merchant_prepare_id: object, **overrides) -> dict:
        fields = self.fields(
            prepared["merchant_trans_id"],
            "1",
            click_trans_id=prepared["click_trans_id"],
            click_paydoc_id=prepared["click_paydoc_id"],
            merchant_prepare_id=str(merchant_prepare_id),
            **overrides,
        )
        return self.post(self.complete_url, fields)

    def expect(self, label: str, answer: dict, code: int, **wanted) -> bool:
        ok = (
            answer.get("error") == code
            and "http_status" not in answer
            and all(answer.get(name, object()) == value for name, value in wanted.items())
        )
        expected = f"error {code}" + (f" with {shown(wanted)}" if wanted else "")
        return self.steps.check(label, ok, expected, received(answer))

    # -- the list ------------------------------------------------------------------------

    def run(self) -> bool:
        try:
            self.first_order(self.orders[0])
            if len(self.orders) > 1:
                self.second_order(self.orders[1])
        except Unreachable as error:
            self.steps.unreachable(self.prepare_url, error)
            return False
        return self.steps.ok

    def first_order(self, order: str) -> None:
        self.expect("1 bad sign", self.prepare(order, secret=self.secret_key + "-wrong")[1], -1)
        self.expect("2 wrong amount", self.prepare(order, amount=more(self.amount))[1], -2)
        self.expect("3 unknown action", self.prepare(order, action="2")[1], -3)
        self.expect("4 unknown order", self.prepare(unknown_order(order))[1], -5)
        self.expect("5 missing field", self.prepare(order, click_paydoc_id=None)[1], -8)

        prepared, answer = self.prepare(order)
        prepare_id = answer.get("merchant_prepare_id")
        ok = self.expect(
            "6 Prepare",
            answer,
            0,
            click_trans_id=int(prepared["click_trans_id"]),
            merchant_trans_id=order,
        )
        if ok and not isinstance(prepare_id, int):
            self.steps.check(
                "6 Prepare merchant_prepare_id", False, "an integer", shown(prepare_id)
            )
        repeat = self.post(self.prepare_url, prepared)
        self.expect("6 Prepare repeated", repeat, 0, merchant_prepare_id=prepare_id)

        unknown_id = (prepare_id if isinstance(prepare_id, int) else 0) + 10**9
        self.expect(
            "7 Complete of an unknown merchant_prepare_id",
            self.complete(prepared, unknown_id),
            -6,
        )
        completed = self.complete(prepared, prepare_id)
        confirmed = self.expect("8 Complete", completed, 0)
        if confirmed and not isinstance(completed.get("merchant_confirm_id"), int):
            self.steps.check(
                "8 Complete merchant_confirm_id",
                False,
                "an integer",
                shown(completed.get("merchant_confirm_id")),
            )
        self.expect("9 Complete repeated", self.complete(prepared, prepare_id), -4)

    def second_order(self, order: str) -> None:
        prepared, answer = self.prepare(order)
        self.expect("10 second order: Prepare", answer, 0)
        self.expect(
            f"11 second order: Complete with error {DECLINE_ERROR}",
            self.complete(
                prepared,
                answer.get("merchant_prepare_id"),
                error=DECLINE_ERROR,
                error_note=DECLINE_NOTE,
            ),
            -9,
        )
        self.expect("12 second order: a new Prepare after the failure", self.prepare(order)[1], -9)


def valid_amount(text: str) -> bool:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    return value.is_finite() and value > 0
