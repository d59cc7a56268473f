"""Payme's sandbox acceptance list (PROVIDERS 2.6) against any Merchant API endpoint.

Scenario 1 (rows 1-9) on the first account leaves it cancelled; scenario 2 (rows 10-14)
on the second leaves it performed and then refunded. Create, Perform and Cancel are sent
twice, and the second answer must equal the first, as test.paycom.uz checks.
Used by `python manage.py payme_sandbox_check`.
"""

import base64
import itertools
import json
import random
import string

import requests

from auctions.acceptance import Steps, Unreachable, post_json, shown

from .sandbox import now_ms, payme_id

METHODS = (
    "CheckPerformTransaction",
    "CreateTransaction",
    "PerformTransaction",
    "CancelTransaction",
    "CheckTransaction",
    "GetStatement",
    "SetFiscalData",
    "ChangePassword",
)
TIMEOUT = 15
REFUND_REASON = 5


def unknown_value(known: str) -> str:
    """An account value no shop has: of the known one's shape, random (PROVIDERS 2.6 row 3)."""
    alphabet = string.ascii_uppercase + string.digits
    if known.startswith("AUCTION_"):
        return "AUCTION_" + "".join(random.choices(alphabet, k=20))  # noqa: S311 -- not a secret
    if known.isdigit():
        return str(10 ** (len(known) + 6) + random.randrange(10**6))  # noqa: S311 -- not a secret
    return known + "-UNKNOWN-" + "".join(random.choices(alphabet, k=8))  # noqa: S311


def received(answer: dict) -> str:
    if isinstance(answer.get("error"), dict):
        return f"error {answer['error'].get('code')}"
    if "result" in answer:
        return shown(answer["result"])
    return shown(answer)


def error_code(answer: dict) -> object:
    error = answer.get("error")
    return error.get("code") if isinstance(error, dict) else None


def result(answer: dict) -> dict:
    value = answer.get("result")
    return value if isinstance(value, dict) else {}


class PaymeAcceptance:
    def __init__(self, url: str, *, key: str, accounts: list[dict], amount: int, write):
        self.url = url
        self.key = key
        self.accounts = accounts
        self.amount = amount
        self.steps = Steps(write)
        self.ids = itertools.count(1)
        self.session = requests.Session()

    # -- the wire ------------------------------------------------------------------------

    def call(self, method: str, params: dict, *, key: str | None = None) -> dict:
        credentials = base64.b64encode(f"Paycom:{self.key if key is None else key}".encode())
        body = {"method": method, "params": params, "id": next(self.ids)}
        return post_json(
            self.session,
            self.url,
            data=json.dumps(body),
            headers={
                "Content-Type": "application/json; charset=UTF-8",
                "Authorization": "Basic " + credentials.decode("ascii"),
            },
            timeout=TIMEOUT,
        )

    def expect_error(self, label: str, answer: dict, code: int) -> bool:
        return self.steps.check(
            label,
            error_code(answer) == code and "result" not in answer,
            f"error {code}",
            received(answer),
        )

    def expect_result(self, label: str, answer: dict, wanted: dict) -> bool:
        got = result(answer)
        ok = "error" not in answer and all(
            got.get(name, object()) == value for name, value in wanted.items()
        )
        return self.steps.check(label, ok, shown(wanted), received(answer))

    def twice(self, label: str, method: str, params: dict, wanted: dict) -> dict:
        """Send a call twice; both must answer `wanted`, and the second equal the first."""
        first = self.call(method, params)
        second = self.call(method, params)
        self.expect_result(f"{label} (first)", first, wanted)
        self.steps.check(
            f"{label} (repeat)",
            "result" in first and result(second) == result(first) and "error" not in second,
            f"the first answer again: {received(first)}",
            received(second),
        )
        return first

    # -- the list ------------------------------------------------------------------------

    def run(self) -> bool:
        try:
            self.scenario_1(self.accounts[0])
            self.scenario_2(self.accounts[1])
        except Unreachable as error:
            self.steps.unreachable(f"{self.url}", error)
            return False
        return self.steps.ok

    def rows_4_to_7(self, row: str, account: dict, first_id: str, second_id: str) -> int:
        params = {"amount": self.amount, "account": account}
        self.expect_result(
            f"{row}4 CheckPerformTransaction",
            self.call("CheckPerformTransaction", params),
            {"allow": True},
        )
        create = self.twice(
            f"{row}5 CreateTransaction {first_id}",
            "CreateTransaction",
            {"id": first_id, "time": now_ms(), **params},
            {"state": 1},
        )
        create_time = result(create).get("create_time")
        self.expect_result(
            f"{row}6 CheckTransaction {first_id}",
            self.call("CheckTransaction", {"id": first_id}),
            {
                "state": 1,
                "create_time": create_time,
                "perform_time": 0,
                "cancel_time": 0,
                "reason": None,
            },
        )
        self.expect_error(
            f"{row}7 CreateTransaction, another id {second_id}",
            self.call("CreateTransaction", {"id": second_id, "time": now_ms(), **params}),
            -31008,
        )
        return create_time

    def scenario_1(self, account: dict) -> None:
        wrong_key = self.key + "-wrong"
        throwaway = payme_id()
        for method in METHODS:
            params = {
                "CheckPerformTransaction": {"amount": self.amount, "account": account},
                "CreateTransaction": {
                    "id": throwaway,
                    "time": now_ms(),
                    "amount": self.amount,
                    "account": account,
                },
                "PerformTransaction": {"id": throwaway},
                "CancelTransaction": {"id": throwaway, "reason": 1},
                "CheckTransaction": {"id": throwaway},
                "GetStatement": {"from": now_ms() - 60_000, "to": now_ms()},
                "SetFiscalData": {"id": throwaway, "type": "PERFORM", "fiscal_data": {}},
                "ChangePassword": {"password": wrong_key},
            }[method]
            self.expect_error(
                f"1 wrong key, {method}", self.call(method, params, key=wrong_key), -32504
            )

        wrong_amount = self.amount + 100
        self.expect_error(
            "2 wrong amount, CheckPerformTransaction",
            self.call("CheckPerformTransaction", {"amount": wrong_amount, "account": account}),
            -31001,
        )
        self.expect_error(
            "2 wrong amount, CreateTransaction",
            self.call(
                "CreateTransaction",
                {"id": payme_id(), "time": now_ms(), "amount": wrong_amount, "account": account},
            ),
            -31001,
        )
        ghost = {field: unknown_value(str(value)) for field, value in account.items()}
        for method, extra in (
            ("CheckPerformTransaction", {}),
            ("CreateTransaction", {"id": payme_id(), "time": now_ms()}),
        ):
            answer = self.call(method, {"amount": self.amount, "account": ghost, **extra})
            code = error_code(answer)
            self.steps.check(
                f"3 unknown account {shown(ghost)}, {method}",
                isinstance(code, int) and -31099 <= code <= -31050 and "result" not in answer,
                "an account error -31050..-31099",
                received(answer),
            )

        first_id, second_id = payme_id(), payme_id()
        self.rows_4_to_7("", account, first_id, second_id)
        cancel = self.twice(
            f"8 CancelTransaction {first_id}, reason 1",
            "CancelTransaction",
            {"id": first_id, "reason": 1},
            {"state": -1},
        )
        self.expect_result(
            f"9 CheckTransaction {first_id}",
            self.call("CheckTransaction", {"id": first_id}),
            {"state": -1, "reason": 1, "cancel_time": result(cancel).get("cancel_time")},
        )

    def scenario_2(self, account: dict) -> None:
        first_id, second_id = payme_id(), payme_id()
        self.rows_4_to_7("10/", account, first_id, second_id)
        perform = self.twice(
            f"11 PerformTransaction {first_id}",
            "PerformTransaction",
            {"id": first_id},
            {"state": 2},
        )
        self.expect_result(
            f"12 CheckTransaction {first_id}",
            self.call("CheckTransaction", {"id": first_id}),
            {"state": 2, "perform_time": result(perform).get("perform_time")},
        )
        self.twice(
            f"13 CancelTransaction {first_id}, reason {REFUND_REASON}",
            "CancelTransaction",
            {"id": first_id, "reason": REFUND_REASON},
            {"state": -2},
        )
        self.expect_result(
            f"14 CheckTransaction {first_id}",
            self.call("CheckTransaction", {"id": first_id}),
            {"state": -2, "reason": REFUND_REASON},
        )
