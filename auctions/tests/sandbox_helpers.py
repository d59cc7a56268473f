"""Drive a local provider sandbox over HTTP as a payer's browser does (tests only).

payments_click/tests/sandbox_helpers.py and payments_payme/tests/sandbox_helpers.py bind
these to their own sandbox.
"""

import html
import re

import requests

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
FAST_SLOW_SECONDS = 0.3  # the `slow` fault waits 15 s outside tests


def started_sandbox(start, site: str):
    """(server, stop): the sandbox `start(port=0, site=...)` serves on a free loopback port."""
    server, thread, _base_url = start(port=0, site=site)
    server.slow_seconds = FAST_SLOW_SECONDS

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return server, stop


def press(
    pay_url: str, action: str = "pay", *, post_url: str | None = None, hidden: bool = False
) -> requests.Response:
    """Open the payment page at `pay_url`, press the button `action` (posting to `post_url`,
    default `pay_url`, with the page's hidden fields when `hidden`); the 303 is not followed."""
    page = requests.get(pay_url, timeout=10)
    assert page.status_code == 200, page.text
    assert '<button type="submit" name="action" value="pay">' in page.text
    assert '<button type="submit" name="action" value="decline">' in page.text
    form = (
        {html.unescape(name): html.unescape(value) for name, value in HIDDEN.findall(page.text)}
        if hidden
        else {}
    )
    answer = requests.post(
        post_url or pay_url,
        data={**form, "action": action},
        allow_redirects=False,
        timeout=120,
    )
    assert answer.status_code == 303, answer.text
    return answer


def set_fault(base_url: str, fault: str) -> dict:
    answer = requests.post(f"{base_url}/__sandbox__/fault", data={"fault": fault}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def sandbox_state(base_url: str) -> dict:
    return requests.get(f"{base_url}/__sandbox__/state", timeout=10).json()
