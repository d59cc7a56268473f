"""Run the local copy of Click (payments_click/sandbox.py) until interrupted."""

from django.core.management.base import BaseCommand, CommandError

from auctions.sandbox_http import serve_until_interrupted
from payments_click.sandbox import PAY_PATH, ClickSandbox


class Command(BaseCommand):
    help = (
        "Run a local copy of Click (CONTRACT 10): the payment page of pay_url, which sends "
        "signed Prepare and Complete callbacks to the site, and the Merchant API fake."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8091)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--site",
            default=None,
            help="The site whose callbacks it calls (default SITE_URL, else http://127.0.0.1:8000).",
        )
        parser.add_argument(
            "--fault",
            default="",
            help="Start with this fault (see /__sandbox__/state for the list; empty: none).",
        )
        parser.add_argument("--verbose-requests", action="store_true")

    def handle(self, *args, **options):
        try:
            server = ClickSandbox.from_settings(
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
        if not (server.service_id and server.secret_key):
            self.stderr.write(
                "CLICK_SERVICE_ID and CLICK_SECRET_KEY are not both set: the site will refuse "
                "every callback."
            )
        self.stdout.write(
            f"Click sandbox on {server.base_url} (fault {server.fault or 'none'}), "
            f"calling {server.site}.\n"
            f"Point the site at it: CLICK_PAY_URL={server.base_url}{PAY_PATH}\n"
            f"Switch faults: curl -d fault=repeat {server.base_url}/__sandbox__/fault "
            f"({', '.join(server.faults)}; empty for none)"
        )
        serve_until_interrupted(server)
