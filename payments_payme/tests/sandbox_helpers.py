"""Drive the local Payme sandbox over HTTP as a payer's browser does (tests only)."""

import requests

from auctions.tests import sandbox_helpers
from auctions.tests.sandbox_helpers import sandbox_state, set_fault
from payments_payme.sandbox import start_payme_sandbox

__all__ = ["press", "sandbox_state", "set_fault", "started_payme_sandbox"]


def started_payme_sandbox(site: str):
    """(server, stop): a sandbox on a free loopback port calling `site`."""
    return sandbox_helpers.started_sandbox(start_payme_sandbox, site)


def press(pay_url: str, action: str = "pay") -> requests.Response:
    """Open Payme's checkout at `pay_url`, press the button `action`; the 303 is not followed."""
    return sandbox_helpers.press(pay_url, action)
