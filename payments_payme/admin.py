from django.contrib import admin

from auctions.admin import AuctionPaymentAdmin

from .models import PaymeKeyChange, PaymeTransaction

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
AuctionPaymentAdmin.search_fields = (
    *AuctionPaymentAdmin.search_fields,
    "payme_transactions__payme_id",
)
