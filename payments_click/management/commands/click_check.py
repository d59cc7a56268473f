"""Check a shop's Click SHOP-API endpoints for Click's codes (PROVIDERS 1.5-1.7)."""

from django.core.management.base import BaseCommand, CommandError

from payments_click.acceptance import ClickAcceptance, complete_url_of, valid_amount


class Command(BaseCommand):
    help = (
        "Send Click's Prepare and Complete to URL (the shop's Prepare URL; Complete is the "
        "same URL with 'prepare' replaced by 'complete') and check every code: one PASS/FAIL "
        "line per step; exit 0 only when every step passes. The first order ends completed, "
        "a second one failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="The shop's Prepare URL.")
        parser.add_argument("--service-id", required=True)
        parser.add_argument("--secret-key", required=True)
        parser.add_argument(
            "--merchant-trans-id",
            action="append",
            required=True,
            help="An unpaid order; a second one adds the failure steps.",
        )
        parser.add_argument("--amount", required=True, help="The order's amount in sum.")

    def handle(self, *args, **options):
        orders = options["merchant_trans_id"]
        if len(orders) > 2:
            raise CommandError("give --merchant-trans-id once or twice")
        if not valid_amount(options["amount"]):
            raise CommandError("--amount must be a positive number of sum, such as 50000")
        try:
            complete_url_of(options["url"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        runner = ClickAcceptance(
            options["url"],
            service_id=options["service_id"],
            secret_key=options["secret_key"],
            orders=orders,
            amount=options["amount"],
            write=self.stdout.write,
        )
        ok = runner.run()
        self.stdout.write(runner.steps.summary())
        if not ok:
            raise SystemExit(1)
