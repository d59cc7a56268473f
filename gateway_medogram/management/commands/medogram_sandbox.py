"""Run the local Medogram gateway sandbox (gateway_medogram/sandbox.py) until interrupted."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gateway_medogram.sandbox import MODES, SandboxServer


class Command(BaseCommand):
    help = "Run a local HTTP stand-in for the Medogram gateway (CONTRACT 5)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8090)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--api-key",
            default=None,
            help="The api key calls must carry (default: MEDOGRAM_API_KEY; empty accepts any).",
        )
        parser.add_argument("--mode", choices=MODES, default="normal")
        parser.add_argument(
            "--hang",
            type=float,
            default=None,
            help="Seconds the timeout mode waits before answering (default 12).",
        )
        parser.add_argument("--verbose-requests", action="store_true")

    def handle(self, *args, **options):
        api_key = options["api_key"]
        if api_key is None:
            api_key = settings.MEDOGRAM_API_KEY
        try:
            server = SandboxServer(
                (options["host"], options["port"]),
                api_key=api_key,
                mode=options["mode"],
                verbose=options["verbose_requests"],
            )
        except OSError as error:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {error}"
            ) from None
        if options["hang"] is not None:
            server.state.hang = options["hang"]
        self.stdout.write(
            f"Medogram sandbox on {server.base_url} (mode {server.state.mode}, "
            f"api key {'checked' if api_key else 'not checked'}).\n"
            f"Point the site at it: MEDOGRAM_URL={server.base_url}\n"
            f"Switch modes: curl -d mode=error {server.base_url}/__sandbox__/mode "
            f"({', '.join(MODES)})"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
