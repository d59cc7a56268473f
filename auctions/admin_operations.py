"""Admin for operations (CONTRACT 11): Discrepancies, the payment's timeline, refunds.

Kept apart from admin.py so the payment page's additions stay in one place: the
AuctionPayment page gets its timeline (templates/admin/auctions/auctionpayment/) and the
"Refund through the provider" action; Discrepancies lists what reconcile left open.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import refunds
from .admin import AuctionPaymentAdmin
from .models import Discrepancy


@admin.action(description=_("Refund through the provider"), permissions=["change"])
def refund_through_provider(modeladmin, request, queryset):
    """Each payment at most once: refunds.refund locks its row; every attempt is logged."""
    if "apply" in request.POST:
        note = request.POST.get("note", "").strip()
        for payment in queryset:
            done, message = refunds.refund(payment.pk, by=request.user.get_username(), note=note)
            modeladmin.log_change(request, payment, f"Refund through the provider: {message}")
            modeladmin.message_user(
                request, message, messages.SUCCESS if done else messages.WARNING
            )
        return None
    rows = [(payment, refunds.refusal(payment)) for payment in queryset.select_related("auction")]
    return TemplateResponse(
        request,
        "admin/auctions/auctionpayment/refund.html",
        {
            **modeladmin.admin_site.each_context(request),
            "rows": rows,
            "opts": modeladmin.model._meta,
            "title": _("Refund through the provider"),
        },
    )


AuctionPaymentAdmin.actions = [*(AuctionPaymentAdmin.actions or []), refund_through_provider]
AuctionPaymentAdmin.change_form_template = "admin/auctions/auctionpayment/change_form.html"


@admin.register(Discrepancy)
class DiscrepancyAdmin(admin.ModelAdmin):
    """What reconcile could not settle, with the provider's last answer."""

    list_display = (
        "payment_link",
        "provider",
        "our_status",
        "provider_status",
        "needed",
        "opened_at",
        "checked_at",
        "checks",
    )
    list_filter = ("provider", "our_status", "opened_at")
    search_fields = ("payment__merchant_trans_id",)
    list_select_related = ("payment",)
    readonly_fields = (
        "payment",
        "provider",
        "our_status",
        "provider_status",
        "needed",
        "answer",
        "is_open",
        "checks",
        "checked_at",
        "opened_at",
        "resolved_at",
    )
    fields = readonly_fields

    @admin.display(description=_("payment"), ordering="payment__merchant_trans_id")
    def payment_link(self, obj):
        url = reverse("admin:auctions_auctionpayment_change", args=[obj.payment_id])
        return format_html('<a href="{}">{}</a>', url, obj.payment.merchant_trans_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
