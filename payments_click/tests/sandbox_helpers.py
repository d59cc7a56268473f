"""Drive the local Click sandbox over HTTP as a payer's browser does (tests only)."""

import requests

from auctions.tests import sandbox_helpers
from auctions.tests.sandbox_helpers import sandbox_state, set_fault
from payments_click.sandbox import start_click_sandbox

__all__ = ["press", "sandbox_state", "set_fault", "started_click_sandbox"]


def started_click_sandbox(site: str):
    """(server, stop): a sandbox on a free loopback port calling `site`."""
    return sandbox_helpers.started_sandbox(start_click_sandbox, site)


def press(pay_url: str, action: str = "pay") -> requests.Response:
    """Open Click's page at `pay_url`, press the button `action`; the 303 is not followed."""
    return sandbox_helpers.press(pay_url, action, post_url=pay_url.split("?")[0], hidden=True)
