"""What the providers' acceptance runners share (CONTRACT 10): step lines and the verdict.

payments_payme/acceptance.py (`payme_sandbox_check`) and payments_click/acceptance.py
(`click_check`) drive any shop's endpoint over HTTP and print one line per step,
`PASS` or `FAIL` with what was expected and what came back.
"""

import json
from collections.abc import Callable

import requests


class Unreachable(Exception):
    """The endpoint did not answer at all: the run stops, and it fails."""


class Steps:
    """Collect step verdicts, printing each line as it is decided."""

    def __init__(self, write: Callable[[str], None]):
        self.write = write
        self.failed = 0
        self.passed = 0

    def check(self, label: str, ok: bool, expected: str, received: str) -> bool:
        verdict = "PASS" if ok else "FAIL"
        self.write(f"{verdict} {label}: expected {expected}; received {received}")
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    def unreachable(self, label: str, error: Exception) -> None:
        self.check(label, False, "an HTTP answer", f"none ({error})")

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.passed > 0

    def summary(self) -> str:
        total = self.passed + self.failed
        return f"{self.passed} of {total} steps passed" + ("" if self.ok else ": FAILED")


def post_json(session: requests.Session, url: str, **options) -> dict:
    """POST to the endpoint under test; its JSON object answer, or a dict saying why there is
    none (`not_json`, `not_an_object`; `http_status` added when not 200). Unreachable when
    there is no HTTP answer at all."""
    try:
        response = session.post(url, **options)
    except requests.RequestException as error:
        raise Unreachable(str(error)) from None
    try:
        answer = response.json()
    except ValueError:
        return {"not_json": f"HTTP {response.status_code}: {response.text[:200]}"}
    if not isinstance(answer, dict):
        return {"not_an_object": answer}
    if response.status_code != 200:
        answer = {**answer, "http_status": response.status_code}
    return answer


def shown(value: object, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + "…"
