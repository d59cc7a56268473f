"""Run the lifecycle job once (CONTRACT 7): from cron on a site without a broker, or by hand."""

from django.core.management.base import BaseCommand

from auctions.tasks import advance_auctions


class Command(BaseCommand):
    help = (
        "Start and end auctions that are due, release deposits of ended auctions, and retry "
        "unconfirmed releases, captures and card removals; print what was done. The same "
        "code the Celery beat runs every 15 s; safe to run twice or beside the beat."
    )

    def handle(self, *args, **options):
        done = advance_auctions()
        for name, count in done.items():
            self.stdout.write(f"{name}: {count}")
