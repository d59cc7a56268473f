"""What the `click_sandbox` and `payme_sandbox` commands share: the options, building the
server from settings, and serving it until interrupted. Each command names its server
class, its default port and what it prints on start."""

from django.core.management.base import BaseCommand, CommandError

from auctions.sandbox_http import ProviderSandbox, serve_until_interrupted


class SandboxCommand(BaseCommand):
    server_class: type[ProviderSandbox]
    default_port: int
    site_help = "The site it calls (default SITE_URL, else http://127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=self.default_port)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--site", default=None, help=self.site_help)
        parser.add_argument(
            "--fault",
            default="",
            help="Start with this fault (see /__sandbox__/state for the list; empty: none).",
        )
        parser.add_argument("--verbose-requests", action="store_true")

    def handle(self, *args, **options):
        try:
            server = self.server_class.from_settings(
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
        warning = self.missing_settings(server)
        if warning:
            self.stderr.write(warning)
        self.stdout.write(
            f"{self.started(server)}\n"
            f"Switch faults: curl -d fault=repeat {server.base_url}/__sandbox__/fault "
            f"({', '.join(server.faults)}; empty for none)"
        )
        serve_until_interrupted(server)

    def missing_settings(self, server) -> str:
        """A warning when the settings the sandbox signs with are not set, else ""."""
        return ""

    def started(self, server) -> str:
        """The lines saying where the sandbox listens and how to point the site at it."""
        raise NotImplementedError
