"""Payme's transactions (PROVIDERS 2.3) and the audit trail of ChangePassword keys."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from auctions.models import AuctionPayment


class TransactionState(models.IntegerChoices):
    CREATED = 1, _("created")
    PERFORMED = 2, _("performed")
    CANCELLED = -1, _("cancelled before perform")
    CANCELLED_AFTER_PERFORM = -2, _("cancelled after perform")


class PaymeTransaction(models.Model):
    """One Payme transaction; every *_time is Unix ms, read once at its event, 0 before."""

    payme_id = models.CharField(max_length=64, unique=True)
    payment = models.ForeignKey(AuctionPayment, models.PROTECT, related_name="payme_transactions")
    amount = models.BigIntegerField(help_text="tiyin")
    time = models.BigIntegerField(help_text="Payme's own time of the transaction, Unix ms")
    create_time = models.BigIntegerField()
    perform_time = models.BigIntegerField(default=0)
    cancel_time = models.BigIntegerField(default=0)
    state = models.SmallIntegerField(choices=TransactionState.choices)
    reason = models.SmallIntegerField(null=True, blank=True)
    fiscal_perform = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    fiscal_cancel = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["time", "id"]
        indexes = [
            models.Index(fields=["time"], name="payme_transaction_time"),
            models.Index(fields=["payment", "state"], name="payme_transaction_payment"),
            models.Index(fields=["state", "created_at"], name="payme_transaction_state"),
        ]
        constraints = [
            # PROVIDERS 2.4: one active transaction per payment. Services check it under
            # the payment's row lock; the index makes a missed check fail loudly.
            models.UniqueConstraint(
                fields=["payment"],
                condition=models.Q(state=1),
                name="payme_one_active_transaction",
            ),
        ]

    def __str__(self) -> str:
        return self.payme_id


class PaymeKeyChange(models.Model):
    """An audit row per ChangePassword: only the new key's SHA-256; the newest is in force."""

    key_sha256 = models.CharField(max_length=64)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Payme key changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"
