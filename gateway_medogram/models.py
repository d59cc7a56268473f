"""The Medogram side of an AuctionPayment and the log of every exchange with the gateway."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from auctions.models import AuctionPayment, money_field


class MedogramPayment(models.Model):
    """One gateway payment (id_get) of an AuctionPayment; its status lives on the payment."""

    payment = models.OneToOneField(AuctionPayment, models.PROTECT, related_name="medogram")
    # The gateway's ids, kept as the text it sends; id_get is a positive integer.
    id_get = models.CharField(max_length=20, null=True, blank=True, unique=True)
    trans_id = models.CharField(max_length=100, blank=True, default="", db_index=True)
    tracking_code = models.CharField(max_length=100, blank=True, default="")
    amount = money_field(help_text="In rial, as sent to the gateway")
    card_number = models.CharField(max_length=32, blank=True, default="", help_text="Masked")
    # A Fernet token (crypto.py) of the profile the gateway returned: never plain text.
    user_data = models.TextField(blank=True, default="")
    user_data_fetched_at = models.DateTimeField(null=True, blank=True)
    verified_status = models.IntegerField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Set while a callback's verification runs (services.claim_verification): an unsigned
    # callback verifies only when no other verification of this payment is under way.
    verifying_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Medogram {self.id_get or '-'} of {self.payment_id}"

    @property
    def needs_refund(self) -> bool:
        """Charged for an auction another payment had already paid (payment_flow flag)."""
        return self.payment.needs_refund


class LogKind(models.TextChoices):
    REQUEST = "request", _("request")
    CALLBACK = "callback", _("callback")
    VERIFICATION = "verification", _("verification")
    USER_FETCH = "user_fetch", _("user fetch")
    ERROR = "error", _("error")


class MedogramPaymentLog(models.Model):
    """One exchange with the gateway, secrets masked; written outside processing transactions."""

    payment = models.ForeignKey(
        MedogramPayment, models.SET_NULL, null=True, blank=True, related_name="logs"
    )
    merchant_trans_id = models.CharField(max_length=28, blank=True, default="", db_index=True)
    kind = models.CharField(max_length=20, choices=LogKind.choices)
    message = models.TextField(blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="medogram_log_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.merchant_trans_id or '-'}"
