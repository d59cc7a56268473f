"""Re-encrypt every stored encrypted value under the first FIELD_ENCRYPTION_KEYS key."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from auctions import crypto

# Every column holding a value encrypted with FIELD_ENCRYPTION_KEYS.
ENCRYPTED_FIELDS = (
    ("gateway_medogram", "MedogramPayment", "user_data"),
    ("payments_payme", "SavedCard", "token_encrypted"),
    ("payments_payme", "PaymeKeyChange", "key_encrypted"),
)


class Command(BaseCommand):
    help = (
        "Re-encrypt stored secrets (Medogram profiles, Payme card tokens and keys) under the "
        "first key of FIELD_ENCRYPTION_KEYS; afterwards the older keys can be removed."
    )

    def handle(self, *args, **options):
        rotated, unreadable = 0, []
        for app_label, model_name, field in ENCRYPTED_FIELDS:
            model = apps.get_model(app_label, model_name)
            ids = model.objects.exclude(**{field: ""}).values_list("pk", flat=True)
            for pk in list(ids):
                with transaction.atomic():
                    row = model.objects.select_for_update().get(pk=pk)
                    value = getattr(row, field)
                    if not value:
                        continue
                    try:
                        setattr(row, field, crypto.rotate(value))
                    except crypto.DecryptionError:
                        unreadable.append(f"{model_name} {pk}")
                        continue
                    row.save(update_fields=[field])
                    rotated += 1
        self.stdout.write(f"Rotated {rotated} encrypted value(s) to the first key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} value(s) could not be decrypted with any key in "
                f"FIELD_ENCRYPTION_KEYS ({', '.join(unreadable[:20])}); "
                "add the key they were written with and run again."
            )
