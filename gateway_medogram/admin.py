"""Read-only admin of Medogram payments and gateway logs; user data only for superusers."""

import json

from django.contrib import admin
from django.utils.html import format_html

from auctions.admin import AuctionPaymentAdmin

from . import crypto
from .models import MedogramPayment, MedogramPaymentLog

PAYMENT_FIELDS = (
    "payment",
    "id_get",
    "trans_id",
    "tracking_code",
    "amount",
    "card_number",
    "needs_refund_display",
    "verified_status",
    "verified_at",
    "user_data_fetched_at",
    "created_at",
    "updated_at",
)


def decrypted_user_data(obj) -> str:
    if not obj.user_data:
        return "-"
    try:
        return json.dumps(crypto.decrypt_json(obj.user_data), ensure_ascii=False, indent=2)
    except crypto.DecryptionError:
        return "cannot decrypt with the configured FIELD_ENCRYPTION_KEYS"


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UserDataMixin:
    """Superusers see the decrypted user data; other staff only that it is stored."""

    def _user_data_field(self, request) -> str:
        return "user_data_decrypted" if request.user.is_superuser else "user_data_hidden"

    def get_fields(self, request, obj=None):
        return [*PAYMENT_FIELDS, self._user_data_field(request)]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="user data")
    def user_data_decrypted(self, obj):
        return format_html("<pre>{}</pre>", decrypted_user_data(obj))

    @admin.display(description="user data")
    def user_data_hidden(self, obj):
        return "stored encrypted (shown to superusers only)" if obj.user_data else "-"

    @admin.display(description="needs refund", boolean=True)
    def needs_refund_display(self, obj):
        return obj.payment.needs_refund


class MedogramPaymentLogInline(ReadOnlyMixin, admin.TabularInline):
    model = MedogramPaymentLog
    extra = 0
    fields = ("created_at", "kind", "message", "payload")
    readonly_fields = fields


@admin.register(MedogramPayment)
class MedogramPaymentAdmin(UserDataMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "payment",
        "id_get",
        "trans_id",
        "tracking_code",
        "amount",
        "payment_status",
        "needs_refund_display",
        "created_at",
    )
    list_filter = ("payment__status", "payment__needs_refund", "created_at")
    search_fields = ("payment__merchant_trans_id", "id_get", "trans_id", "tracking_code")
    date_hierarchy = "created_at"
    list_select_related = ("payment",)
    inlines = [MedogramPaymentLogInline]

    @admin.display(description="status", ordering="payment__status")
    def payment_status(self, obj):
        return obj.payment.get_status_display()


@admin.register(MedogramPaymentLog)
class MedogramPaymentLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "merchant_trans_id", "message")
    list_filter = ("kind", "created_at")
    search_fields = (
        "merchant_trans_id",
        "payment__payment__merchant_trans_id",
        "payment__id_get",
        "payment__trans_id",
        "payment__tracking_code",
    )
    date_hierarchy = "created_at"
    fields = ("created_at", "kind", "merchant_trans_id", "payment", "message", "payload")
    readonly_fields = fields


class MedogramPaymentInline(UserDataMixin, ReadOnlyMixin, admin.StackedInline):
    model = MedogramPayment
    extra = 0
    can_delete = False
    show_change_link = True


AuctionPaymentAdmin.inlines = [*AuctionPaymentAdmin.inlines, MedogramPaymentInline]
AuctionPaymentAdmin.search_fields = (
    *AuctionPaymentAdmin.search_fields,
    "medogram__id_get",
    "medogram__trans_id",
    "medogram__tracking_code",
)
