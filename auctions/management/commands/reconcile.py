"""python manage.py reconcile [--provider click|payme|medogram] [--since ISO-8601] (CONTRACT 11).

Prints one line per payment left unsettled or in disagreement and exits 1 when there is
one, 0 otherwise, so cron can alert on the exit code.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from auctions import providers, reconcile


def moment(text: str):
    """An ISO-8601 date or date-time; a naive one is in the site's time zone."""
    try:
        value = parse_datetime(text)
        if value is None and (day := parse_date(text)) is not None:
            value = timezone.datetime(day.year, day.month, day.day)
    except ValueError:
        value = None
    if value is None:
        raise CommandError(f"--since {text!r} is not an ISO-8601 date or date-time")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


class Command(BaseCommand):
    help = (
        "Ask each provider about payments that are not final or are flagged, settle what "
        "the answers prove, print what is left; exit 1 when anything is left unsettled."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--provider",
            choices=[p.name for p in providers.all_providers() if p.reconcile is not None],
        )
        parser.add_argument("--since", type=str, help="only payments created at or after this")

    def handle(self, *args, provider=None, since=None, **options):
        since = moment(since) if since else None
        checked = unsettled = 0
        for payment, finding in reconcile.run(provider=provider, since=since):
            checked += 1
            if finding.settled:
                continue
            unsettled += 1
            self.stdout.write(
                f"{payment.merchant_trans_id} provider={payment.provider} "
                f"ours={payment.status} theirs={finding.provider_status!r} "
                f"needed={finding.needed!r}"
            )
        self.stderr.write(f"reconcile: checked={checked} unsettled={unsettled}")
        if unsettled:
            raise SystemExit(1)
