"""Run the local copy of Click (payments_click/sandbox.py) until interrupted."""

from auctions.management.sandbox_command import SandboxCommand
from payments_click.sandbox import PAY_PATH, ClickSandbox


class Command(SandboxCommand):
    help = (
        "Run a local copy of Click (CONTRACT 10): the payment page of pay_url, which sends "
        "signed Prepare and Complete callbacks to the site, and the Merchant API fake."
    )
    server_class = ClickSandbox
    default_port = 8091
    site_help = "The site whose callbacks it calls (default SITE_URL, else http://127.0.0.1:8000)."

    def missing_settings(self, server) -> str:
        if server.service_id and server.secret_key:
            return ""
        return (
            "CLICK_SERVICE_ID and CLICK_SECRET_KEY are not both set: the site will refuse "
            "every callback."
        )

    def started(self, server) -> str:
        return (
            f"Click sandbox on {server.base_url} (fault {server.fault or 'none'}), "
            f"calling {server.site}.\n"
            f"Point the site at it: CLICK_PAY_URL={server.base_url}{PAY_PATH}"
        )
