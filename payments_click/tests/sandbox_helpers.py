"""Drive the local Click sandbox over HTTP as a payer's browser does (tests only)."""

import html
import re

import requests

from payments_click.sandbox import start_click_sandbox

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
FAST_SLOW_SECONDS = 0.3  # the `slow` fault waits 15 s outside tests


def started_click_sandbox(site: str):
    """(server, stop): a sandbox on a free loopback port calling `site`."""
    server, thread, _base_url = start_click_sandbox(port=0, site=site)
    server.slow_seconds = FAST_SLOW_SECONDS

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return server, stop


def press(pay_url: str, action: str = "pay") -> requests.Response:
    """Open Click's page at `pay_url`, press the button `action`; the 303 is not followed."""
    page = requests.get(pay_url, timeout=10)
    assert page.status_code == 200, page.text
    assert '<button type="submit" name="action" value="pay">' in page.text
    assert '<button type="submit" name="action" value="decline">' in page.text
    form = {html.unescape(name): html.unescape(value) for name, value in HIDDEN.findall(page.text)}
    answer = requests.post(
        pay_url.split("?")[0],
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
