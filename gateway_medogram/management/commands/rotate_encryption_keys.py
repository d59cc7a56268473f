"""Re-encrypt every stored encrypted value under the first FIELD_ENCRYPTION_KEYS key."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gateway_medogram import crypto
from gateway_medogram.models import MedogramPayment


class Command(BaseCommand):
    help = (
        "Re-encrypt stored user data under the first key of FIELD_ENCRYPTION_KEYS; "
        "afterwards the older keys can be removed."
    )

    def handle(self, *args, **options):
        rotated, unreadable = 0, []
        ids = MedogramPayment.objects.exclude(user_data="").values_list("pk", flat=True)
        for pk in list(ids):
            with transaction.atomic():
                row = MedogramPayment.objects.select_for_update().get(pk=pk)
                if not row.user_data:
                    continue
                try:
                    row.user_data = crypto.rotate(row.user_data)
                except crypto.DecryptionError:
                    unreadable.append(pk)
                    continue
                row.save(update_fields=["user_data"])
                rotated += 1
        self.stdout.write(f"Rotated {rotated} encrypted value(s) to the first key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} value(s) could not be decrypted with any key in "
                f"FIELD_ENCRYPTION_KEYS (MedogramPayment ids {unreadable[:20]}); "
                "add the key they were written with and run again."
            )
