"""Payme's transactions (PROVIDERS 2.3) and the audit trail of ChangePassword keys."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from auctions.models import AuctionPayment, Deposit


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
    # The key itself, encrypted with FIELD_ENCRYPTION_KEYS: the Subscribe API is signed
    # with the key in force (CONTRACT 4 and 9). Never shown or logged.
    key_encrypted = models.TextField(blank=True, default="", editable=False)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Payme key changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class SavedCard(models.Model):
    """A card a user saved through Payme's cards.* methods: only its token, encrypted.

    The token is never shown again (API, site, admin, logs); only the masked number and
    expiry are. A removed card leaves every list at once; cards.remove at Payme is
    retried by the lifecycle job until Payme confirms it (remove_confirmed_at).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="payme_cards", editable=False
    )
    token_encrypted = models.TextField(editable=False)
    number = models.CharField(max_length=32, editable=False)
    expire = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)
    remove_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    remove_attempts = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "removed_at"], name="payme_card_user")]

    def __str__(self) -> str:
        return f"{self.number} ({self.expire})"

    @property
    def token(self) -> str:
        from auctions.crypto import decrypt_text

        return decrypt_text(self.token_encrypted)


class ReceiptState(models.IntegerChoices):
    """PROVIDERS 2.7: a Subscribe receipt's state."""

    CREATED = 0, _("created")
    CHECKING = 1, _("first checks")
    DEBITING = 2, _("debiting the card")
    CLOSING = 3, _("closing in the billing")
    PAID = 4, _("paid")
    HELD = 5, _("held")
    HOLD_COMMAND = 6, _("hold command received")
    PAUSED = 20, _("paused for manual intervention")
    CANCEL_QUEUED = 21, _("queued for cancellation")
    CLOSE_QUEUED = 30, _("queued for closing")
    CANCELLED = 50, _("cancelled")


class CardReceipt(models.Model):
    """One Subscribe receipt we made: a card payment's or a deposit's (CONTRACT 9)."""

    account = models.CharField(
        max_length=28, db_index=True, help_text="merchant_trans_id or DEPOSIT_…"
    )
    payment = models.OneToOneField(
        AuctionPayment, models.PROTECT, null=True, blank=True, related_name="card_receipt"
    )
    deposit = models.ForeignKey(
        Deposit, models.PROTECT, null=True, blank=True, related_name="card_receipts"
    )
    card = models.ForeignKey(SavedCard, models.PROTECT, related_name="receipts")
    amount = models.BigIntegerField(help_text="tiyin")
    hold = models.BooleanField(default=False)
    receipt_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    state = models.SmallIntegerField(null=True, blank=True, choices=ReceiptState.choices)
    # Payme's refusal as it came: {"code": …, "message": {ru, uz, en} or text}.
    error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.receipt_id or f"receipt for {self.account}"


class PaymeDepositTransaction(models.Model):
    """A Merchant API transaction Payme opened for a deposit's Subscribe receipt.

    Recorded against the deposit (CONTRACT 9); it never moves an AuctionPayment, and the
    deposit's status is moved only by the Subscribe answers and receipts.check.
    """

    payme_id = models.CharField(max_length=64, unique=True)
    deposit = models.ForeignKey(Deposit, models.PROTECT, related_name="payme_transactions")
    amount = models.BigIntegerField(help_text="tiyin")
    time = models.BigIntegerField()
    create_time = models.BigIntegerField()
    perform_time = models.BigIntegerField(default=0)
    cancel_time = models.BigIntegerField(default=0)
    state = models.SmallIntegerField(choices=TransactionState.choices)
    reason = models.SmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["time", "id"]

    def __str__(self) -> str:
        return self.payme_id
