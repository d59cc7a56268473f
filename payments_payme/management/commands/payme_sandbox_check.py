"""Run Payme's sandbox acceptance list (PROVIDERS 2.6) against a Merchant API endpoint."""

from django.core.management.base import BaseCommand, CommandError

from payments_payme.acceptance import PaymeAcceptance


def account(text: str) -> dict:
    field, separator, value = text.partition("=")
    if not separator or not field or not value:
        raise CommandError(f"--account must be FIELD=VALUE, not {text!r}")
    return {field: value}


class Command(BaseCommand):
    help = (
        "Run Payme's sandbox acceptance list (both scenarios) against URL: one PASS/FAIL line "
        "per step; exit 0 only when every step passes. The first account ends cancelled, "
        "the second refunded."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="The shop's Merchant API endpoint.")
        parser.add_argument("--key", required=True, help="The cashbox key (TEST_KEY).")
        parser.add_argument(
            "--account",
            action="append",
            required=True,
            metavar="FIELD=VALUE",
            help="Twice: the account of scenario 1, then that of scenario 2.",
        )
        parser.add_argument("--amount", type=int, required=True, help="The order's tiyin.")

    def handle(self, *args, **options):
        accounts = [account(text) for text in options["account"]]
        if len(accounts) != 2:
            raise CommandError("give --account twice: one per scenario")
        if options["amount"] <= 0:
            raise CommandError("--amount must be a positive number of tiyin")
        runner = PaymeAcceptance(
            options["url"],
            key=options["key"],
            accounts=accounts,
            amount=options["amount"],
            write=self.stdout.write,
        )
        ok = runner.run()
        self.stdout.write(runner.steps.summary())
        if not ok:
            raise SystemExit(1)
