"""Run the local copy of Payme (payments_payme/sandbox.py) until interrupted."""

from auctions.management.sandbox_command import SandboxCommand
from payments_payme.sandbox import PaymeSandbox


class Command(SandboxCommand):
    help = (
        "Run a local copy of Payme (CONTRACT 10): the checkout page of pay_url, which calls "
        "the site's Merchant API with Basic auth, and the Subscribe API fake at /api."
    )
    server_class = PaymeSandbox
    default_port = 8092
    site_help = (
        "The site whose Merchant API it calls (default SITE_URL, else http://127.0.0.1:8000)."
    )

    def missing_settings(self, server) -> str:
        if server.merchant_id and server.key:
            return ""
        return (
            "PAYME_MERCHANT_ID and PAYME_KEY are not both set: the checkout refuses every "
            "link and the site every call."
        )

    def started(self, server) -> str:
        return (
            f"Payme sandbox on {server.base_url} (fault {server.selected_fault() or 'none'}), "
            f"calling {server.endpoint}.\n"
            f"Point the site at it: PAYME_CHECKOUT_URL={server.base_url}"
        )
