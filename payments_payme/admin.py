from django.contrib import admin

from auctions.admin import AuctionPaymentAdmin

from .models import (
    CardReceipt,
    PaymeDepositTransaction,
    PaymeKeyChange,
    PaymeTransaction,
    SavedCard,
)

TRANSACTION_FIELDS = (
    "payme_id",
    "payment",
    "state",
    "reason",
    "amount",
    "time",
    "create_time",
    "perform_time",
    "cancel_time",
    "fiscal_perform",
    "fiscal_cancel",
    "created_at",
    "updated_at",
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymeTransaction)
class PaymeTransactionAdmin(ReadOnlyAdmin):
    list_display = ("payme_id", "payment", "state", "reason", "amount", "created_at")
    list_filter = ("state", "created_at")
    search_fields = ("payme_id", "payment__merchant_trans_id")
    date_hierarchy = "created_at"
    fields = TRANSACTION_FIELDS
    readonly_fields = TRANSACTION_FIELDS
    list_select_related = ("payment",)


@admin.register(PaymeKeyChange)
class PaymeKeyChangeAdmin(ReadOnlyAdmin):
    """When ChangePassword ran; the hash itself is not shown."""

    list_display = ("id", "changed_at")
    fields = ("changed_at",)
    readonly_fields = fields


class PaymeTransactionInline(admin.TabularInline):
    model = PaymeTransaction
    extra = 0
    can_delete = False
    fields = (
        "payme_id",
        "state",
        "reason",
        "amount",
        "create_time",
        "perform_time",
        "cancel_time",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


AuctionPaymentAdmin.inlines = [*AuctionPaymentAdmin.inlines, PaymeTransactionInline]


@admin.register(SavedCard)
class SavedCardAdmin(ReadOnlyAdmin):
    """Saved cards: the masked number and expiry only; the token is never shown."""

    list_display = ("id", "user", "number", "expire", "created_at", "removed_at")
    list_filter = ("created_at", "removed_at")
    search_fields = ("user__username", "number")
    fields = (
        "user",
        "number",
        "expire",
        "created_at",
        "removed_at",
        "remove_confirmed_at",
        "remove_attempts",
    )
    readonly_fields = fields


@admin.register(CardReceipt)
class CardReceiptAdmin(ReadOnlyAdmin):
    list_display = ("receipt_id", "account", "hold", "amount", "state", "created_at")
    list_filter = ("hold", "state", "created_at")
    search_fields = ("receipt_id", "account")
    fields = (
        "receipt_id",
        "account",
        "payment",
        "deposit",
        "card",
        "amount",
        "hold",
        "state",
        "error",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(PaymeDepositTransaction)
class PaymeDepositTransactionAdmin(ReadOnlyAdmin):
    list_display = ("payme_id", "deposit", "state", "reason", "amount", "created_at")
    list_filter = ("state", "created_at")
    search_fields = ("payme_id", "deposit__account")


AuctionPaymentAdmin.search_fields = (
    *AuctionPaymentAdmin.search_fields,
    "payme_transactions__payme_id",
)
