"""A payment's timeline for admin: every audit event, provider row and call, by time."""

from dataclasses import dataclass
from datetime import datetime

from . import providers
from .models import AuctionPayment


@dataclass(frozen=True)
class Entry:
    at: datetime | None
    source: str  # who: "audit", "Click Complete", "Medogram verification", ...
    what: str  # ids and details
    outcome: str


def entries(payment: AuctionPayment) -> list[Entry]:
    """Oldest first: PaymentEvents, admin actions, the provider's own rows and calls."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    found = [
        Entry(
            event.created_at,
            "audit",
            f"{event.cause} {event.reference or ''}".strip(),
            f"{event.from_status} -> {event.to_status}",
        )
        for event in payment.events.all()
    ]
    content_type = ContentType.objects.get_for_model(AuctionPayment)
    for entry in LogEntry.objects.filter(
        content_type=content_type, object_id=str(payment.pk)
    ).select_related("user"):
        found.append(
            Entry(entry.action_time, f"admin {entry.user}", entry.get_change_message(), "recorded")
        )
    provider = providers.get(payment.provider)
    if provider is not None and provider.timeline is not None:
        found.extend(provider.timeline(payment))
    return sorted(found, key=lambda entry: (entry.at is None, entry.at or datetime.min))
