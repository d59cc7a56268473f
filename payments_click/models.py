"""Click's attempts to pay an AuctionPayment: one row per click_trans_id (PROVIDERS.md 1.4)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from auctions.models import AuctionPayment, money_field


class ClickTransactionStatus(models.TextChoices):
    PREPARED = "prepared", _("prepared")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("failed at Click")


class ClickTransaction(models.Model):
    """One Click attempt; its primary key is both merchant_prepare_id and merchant_confirm_id."""

    click_trans_id = models.BigIntegerField(unique=True)
    click_paydoc_id = models.BigIntegerField()
    payment = models.ForeignKey(AuctionPayment, models.PROTECT, related_name="click_transactions")
    amount = money_field()
    # The last action Click sent that we applied: 0 prepare, 1 complete.
    action = models.SmallIntegerField()
    # Click's text, exactly as sent ("YYYY-MM-DD HH:mm:ss", no zone in the docs).
    sign_time = models.CharField(max_length=64)
    error = models.BigIntegerField(default=0, help_text="Click's error of the last callback")
    error_note = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=20,
        choices=ClickTransactionStatus.choices,
        default=ClickTransactionStatus.PREPARED,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["click_paydoc_id"], name="click_paydoc"),
            models.Index(fields=["status", "created_at"], name="click_status_created"),
        ]

    def __str__(self) -> str:
        return f"Click {self.click_trans_id}"

    @property
    def merchant_prepare_id(self) -> int:
        return self.pk

    @property
    def merchant_confirm_id(self) -> int:
        return self.pk


class ClickMerchantCall(models.Model):
    """One call we made to Click's Merchant API (PROVIDERS.md 1.9); never the Auth header."""

    payment = models.ForeignKey(
        AuctionPayment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="click_merchant_calls",
    )
    call = models.CharField(max_length=30, help_text="status_by_mti, payment_status, reversal")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.BigIntegerField(null=True, blank=True)
    error_note = models.TextField(blank=True, default="")
    answer = models.JSONField(default=dict, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.call} {self.path}"
