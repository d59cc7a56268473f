"""Run the local copy of Payme (payments_payme/sandbox.py) until interrupted."""

from django.core.management.base import BaseCommand, CommandError

from auctions.sandbox_http import serve_until_interrupted
from payments_payme.sandbox import PaymeSandbox


class Command(BaseCommand):
    help = (
        "Run a local copy of Payme (CONTRACT 10): the checkout page of pay_url, which calls "
        "the site's Merchant API with Basic auth, and the Subscribe API fake at /api."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8092)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--site",
            default=None,
            help="The site whose Merchant API it calls (default SITE_URL, else http://127.0.0.1:8000).",
        )
        parser.add_argument(
            "--fault",
            default="",
            help="Start with this fault (see /__sandbox__/state for the list; empty: none).",
        )
        parser.add_argument("--verbose-requests", action="store_true")

    def handle(self, *args, **options):
        try:
            server = PaymeSandbox.from_settings(
                (options["host"], options["port"]),
                site=options["site"],
                fault=options["fault"],
                verbose=options["verbose_requests"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {error}"
            ) from None
        if not (server.merchant_id and server.key):
            self.stderr.write(
                "PAYME_MERCHANT_ID and PAYME_KEY are not both set: the checkout refuses every "
                "link and the site every call."
            )
        self.stdout.write(
            f"Payme sandbox on {server.base_url} (fault {server.selected_fault() or 'none'}), "
            f"calling {server.endpoint}.\n"
            f"Point the site at it: PAYME_CHECKOUT_URL={server.base_url}\n"
            f"Switch faults: curl -d fault=repeat {server.base_url}/__sandbox__/fault "
            f"({', '.join(server.faults)}; empty for none)"
        )
        serve_until_interrupted(server)
