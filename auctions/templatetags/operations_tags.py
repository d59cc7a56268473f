"""Admin template tags: a payment's overview and timeline, the index card (CONTRACT 11)."""

from datetime import datetime, time

from django import template
from django.db.models import Count, Sum
from django.utils import timezone

from auctions import providers, refunds, timeline
from auctions.models import AuctionPayment, Discrepancy, PaymentStatus, Reconciliation

register = template.Library()


@register.simple_tag
def payment_overview(payment: AuctionPayment) -> dict:
    """Did this seller pay, through whom, when, and does the provider agree?"""
    provider = providers.get(payment.provider)
    try:
        reconciliation = payment.reconciliation
    except Reconciliation.DoesNotExist:
        reconciliation = None
    return {
        "provider": provider.label if provider and provider.label else payment.provider,
        "paid": payment.status == PaymentStatus.COMPLETED,
        "reconciliation": reconciliation,
        "timeline": timeline.entries(payment),
    }


@register.simple_tag
def refund_refusal(payment: AuctionPayment) -> str | None:
    """Why admin cannot refund this payment, or None (CONTRACT 11)."""
    return refunds.refusal(payment)


@register.simple_tag
def operations_summary() -> dict:
    """Today's completed payments by provider (in the site's time zone) and open discrepancies."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    totals = (
        AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED, completed_at__gte=start)
        .values("provider", "currency")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("provider", "currency")
    )
    return {
        "day": today,
        "totals": list(totals),
        "open_discrepancies": Discrepancy.objects.count(),
    }
