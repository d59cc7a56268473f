from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse

from . import deposit_flow, services
from .models import (
    Auction,
    AuctionPayment,
    Bid,
    Deposit,
    DepositEvent,
    Listing,
    ListingPhoto,
    Notification,
    PaymentEvent,
    User,
)


@admin.register(User)
class KvartirabarUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Contact", {"fields": ("phone",)}))
    list_display = ("username", "email", "phone", "is_staff", "date_joined")
    search_fields = ("username", "email", "phone")


class ListingPhotoInline(admin.TabularInline):
    model = ListingPhoto
    extra = 0


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "address", "rooms", "area", "owner", "created_at")
    search_fields = ("title", "address", "owner__username")
    list_filter = ("rooms",)
    raw_id_fields = ("owner",)
    inlines = [ListingPhotoInline]


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "cause", "reference")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AuctionPaymentInline(admin.TabularInline):
    model = AuctionPayment
    extra = 0
    can_delete = False
    fields = ("merchant_trans_id", "provider", "amount", "currency", "status", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyFieldsMixin:
    """Every model field read-only (CONTRACT 7): money, status, times and parties change
    only through the site's rules or an admin action that writes an audit row."""

    editable_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        names = [field.name for field in self.model._meta.fields]
        return [name for name in names if name not in self.editable_fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Auction)
class AuctionAdmin(ReadOnlyFieldsMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "listing",
        "seller",
        "status",
        "is_paid",
        "start_time",
        "end_time",
        "current_price",
        "bid_count",
    )
    list_filter = ("status", "is_paid", "start_time", "end_time")
    search_fields = (
        "id",
        "listing__title",
        "seller__username",
        "seller__phone",
        "payments__merchant_trans_id",
    )
    inlines = [AuctionPaymentInline]


@admin.register(Bid)
class BidAdmin(ReadOnlyFieldsMixin, admin.ModelAdmin):
    list_display = ("id", "auction", "bidder", "amount", "created_at", "voided_at")
    list_filter = ("created_at", "voided_at")
    ordering = ("-id",)  # newest first, by the primary key (every bid, voided ones too)
    search_fields = ("auction__id", "bidder__username")

    actions = ["void_bids"]

    @admin.action(description="Void the selected bids (with a reason)")
    def void_bids(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if "apply" in request.POST and reason:
            for bid in queryset:
                services.void_bid(bid_id=bid.pk, staff_user=request.user, reason=reason)
                # The audit row: who voided which bid, and why (admin's history).
                self.log_change(request, bid, f"Voided: {reason}")
            self.message_user(request, f"Voided {queryset.count()} bid(s).", messages.SUCCESS)
            return None
        if "apply" in request.POST:
            self.message_user(request, "A reason is required to void a bid.", messages.ERROR)
        return TemplateResponse(
            request,
            "admin/auctions/bid/void_bids.html",
            {**self.admin_site.each_context(request), "bids": queryset, "opts": self.model._meta},
        )


@admin.register(AuctionPayment)
class AuctionPaymentAdmin(admin.ModelAdmin):
    list_display = (
        "merchant_trans_id",
        "auction",
        "provider",
        "amount",
        "currency",
        "status",
        "needs_refund",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "provider", "needs_refund", "created_at", "completed_at")
    # The provider apps add their own ids (Click, Payme, Medogram admin modules).
    search_fields = (
        "merchant_trans_id",
        "auction__id",
        "auction__seller__username",
        "auction__seller__phone",
    )
    date_hierarchy = "created_at"
    readonly_fields = (
        "merchant_trans_id",
        "auction",
        "provider",
        "amount",
        "currency",
        "status",
        "needs_refund",
        "created_at",
        "updated_at",
        "completed_at",
        "failed_at",
        "cancelled_at",
        "refunded_at",
    )
    fields = (*readonly_fields, "note")
    inlines = [PaymentEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentEvent)
class PaymentEventAdmin(admin.ModelAdmin):
    list_display = ("payment", "from_status", "to_status", "cause", "created_at")
    list_filter = ("to_status", "cause", "created_at")
    search_fields = ("payment__merchant_trans_id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "arguments", "created_at", "sent_at", "attempts")
    list_filter = ("event", "sent_at", "created_at")
    readonly_fields = ("event", "arguments", "created_at", "sent_at", "attempts", "last_error")

    def has_add_permission(self, request):
        return False


class DepositEventInline(admin.TabularInline):
    model = DepositEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "action", "cause", "reference")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deposit)
class DepositAdmin(admin.ModelAdmin):
    """Bidder deposits (CONTRACT 9): read-only; "Release" and "Charge" write an audit row."""

    list_display = (
        "account",
        "auction",
        "bidder",
        "amount",
        "status",
        "pending_action",
        "attempts",
        "is_winner",
        "created_at",
    )
    list_filter = ("status", "pending_action", "created_at")
    search_fields = ("account", "provider_reference", "auction__id", "bidder__username")
    date_hierarchy = "created_at"
    readonly_fields = (
        "account",
        "auction",
        "bidder",
        "provider",
        "amount",
        "status",
        "provider_reference",
        "failure_reason",
        "pending_action",
        "pending_since",
        "pending_note",
        "attempts",
        "created_at",
        "held_at",
        "checked_at",
        "released_at",
        "charged_at",
        "failed_at",
    )
    fields = readonly_fields
    inlines = [DepositEventInline]
    actions = ["release_deposits", "charge_deposits"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="winner")
    def is_winner(self, deposit: Deposit) -> bool:
        return deposit.auction.winner_id == deposit.bidder_id

    @admin.action(description="Release the selected deposits (cancel the hold)")
    def release_deposits(self, request, queryset):
        self._act(request, queryset, deposit_flow.release, "released")

    @admin.action(description="Charge the selected deposits (capture the hold)")
    def charge_deposits(self, request, queryset):
        self._act(request, queryset, deposit_flow.charge, "charged")

    def _act(self, request, queryset, work, done: str) -> None:
        cause = f"admin:{request.user.username}"
        for deposit_id in list(queryset.values_list("pk", flat=True)):
            try:
                outcome = work(deposit_id, cause=cause)
            except services.DomainError as refusal:
                self.message_user(
                    request, f"Deposit {deposit_id}: {refusal.message}", messages.ERROR
                )
                continue
            if outcome == done:
                self.message_user(request, f"Deposit {deposit_id}: {done}.", messages.SUCCESS)
            elif outcome == "already":
                self.message_user(request, f"Deposit {deposit_id}: already {done}.", messages.INFO)
            else:
                self.message_user(
                    request,
                    f"Deposit {deposit_id}: Payme did not confirm; it stays held with the "
                    "action pending, and the lifecycle job retries it.",
                    messages.WARNING,
                )


from . import admin_operations  # noqa: E402, F401 -- Discrepancies, timeline, refunds
