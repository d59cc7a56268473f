"""Reconcile Medogram payments left processing (the payer closed the browser, the gateway
was unreachable at callback time)."""

from dataclasses import asdict

from django.core.management.base import BaseCommand

from gateway_medogram import services


class Command(BaseCommand):
    help = "Ask the Medogram gateway about processing payments and complete or fail them."

    def handle(self, *args, **options):
        summary = services.reconcile()
        self.stdout.write(
            "Medogram reconciliation: "
            + ", ".join(f"{name}={count}" for name, count in asdict(summary).items())
        )
