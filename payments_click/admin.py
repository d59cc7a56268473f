"""Click transactions in the admin: read-only, and inline on their AuctionPayment."""

from django.contrib import admin

from auctions.admin import AuctionPaymentAdmin

from .models import ClickMerchantCall, ClickTransaction

FIELDS = (
    "click_trans_id",
    "click_paydoc_id",
    "merchant_prepare_id",
    "payment",
    "amount",
    "action",
    "status",
    "error",
    "error_note",
    "sign_time",
    "created_at",
    "updated_at",
    "completed_at",
)


class ReadOnly:
    """Rows written only by Click's callbacks: nobody adds, edits or deletes them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClickTransaction)
class ClickTransactionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "click_trans_id",
        "click_paydoc_id",
        "payment",
        "amount",
        "status",
        "error",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "created_at", "completed_at")
    search_fields = ("click_trans_id", "click_paydoc_id", "payment__merchant_trans_id")
    date_hierarchy = "created_at"
    list_select_related = ("payment",)
    fields = FIELDS
    readonly_fields = FIELDS

    @admin.display(description="merchant_prepare_id / merchant_confirm_id")
    def merchant_prepare_id(self, obj):
        return obj.pk


class ClickTransactionInline(ReadOnly, admin.TabularInline):
    model = ClickTransaction
    extra = 0
    fields = (
        "click_trans_id",
        "click_paydoc_id",
        "amount",
        "status",
        "error",
        "error_note",
        "created_at",
        "completed_at",
    )
    readonly_fields = fields
    show_change_link = True


AuctionPaymentAdmin.inlines = [*AuctionPaymentAdmin.inlines, ClickTransactionInline]
AuctionPaymentAdmin.search_fields = (
    *AuctionPaymentAdmin.search_fields,
    "click_transactions__click_trans_id",
    "click_transactions__click_paydoc_id",
)


@admin.register(ClickMerchantCall)
class ClickMerchantCallAdmin(ReadOnly, admin.ModelAdmin):
    """Our calls to Click's Merchant API (reconcile, reversals): what Click answered."""

    list_display = ("created_at", "call", "payment", "http_status", "error_code", "elapsed_ms")
    list_filter = ("call", "http_status", "created_at")
    search_fields = ("payment__merchant_trans_id", "path")
    date_hierarchy = "created_at"
    list_select_related = ("payment",)
    fields = (
        "created_at",
        "payment",
        "call",
        "method",
        "path",
        "http_status",
        "error_code",
        "error_note",
        "answer",
        "elapsed_ms",
    )
    readonly_fields = fields
