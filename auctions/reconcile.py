"""Reconciliation with the providers (CONTRACT 11): ask, settle what the answer proves, report.

Each provider registers a `reconcile(payment) -> Finding` hook (auctions.providers); it
settles through payment_flow with a cause naming the reconciliation ("reconcile:<provider>"),
so every change is one audit row and happens once. This module only picks the payments,
calls the hooks and keeps the last answer per payment (Reconciliation) for admin.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import providers
from .models import OPEN_PAYMENT_STATUSES, AuctionPayment, PaymentStatus, Reconciliation

logger = logging.getLogger("payments")


@dataclass(frozen=True)
class Finding:
    """One provider's answer about one payment, after settling what it proved."""

    settled: bool  # False: left unsettled or in disagreement, printed and kept open
    provider_status: str
    needed: str = ""
    answer: dict = field(default_factory=dict)


def cause(provider: str) -> str:
    """The PaymentEvent cause of a change made by reconciliation."""
    return f"reconcile:{provider}"[:30]


def candidates(*, provider: str | None = None, since: datetime | None = None):
    """Payments that are not final, are flagged, or were left open by an earlier run."""
    names = [p.name for p in providers.all_providers() if p.reconcile is not None]
    if provider is not None:
        names = [name for name in names if name == provider]
    flagged = Q(needs_refund=True) & ~Q(status=PaymentStatus.REFUNDED)
    query = AuctionPayment.objects.filter(
        Q(status__in=OPEN_PAYMENT_STATUSES) | flagged | Q(reconciliation__is_open=True),
        provider__in=names,
    )
    if since is not None:
        query = query.filter(created_at__gte=since)
    return query.order_by("created_at", "id")


def check(payment: AuctionPayment) -> Finding:
    """Ask the payment's provider; a failure of the hook is a finding, never swallowed."""
    hook = providers.get(payment.provider).reconcile
    try:
        finding = hook(payment)
    except Exception as error:  # one bad payment must not stop the run
        logger.exception(
            "reconcile failed merchant_trans_id=%s provider=%s",
            payment.merchant_trans_id,
            payment.provider,
        )
        finding = Finding(
            settled=False,
            provider_status=f"reconcile failed: {type(error).__name__}",
            needed="see the payments log for the traceback; rerun reconcile",
        )
    _remember(payment, finding)
    return finding


def _remember(payment: AuctionPayment, finding: Finding) -> None:
    payment.refresh_from_db(fields=["status", "needs_refund"])
    now = timezone.now()
    with transaction.atomic():
        row, _ = Reconciliation.objects.select_for_update().get_or_create(
            payment=payment, defaults={"provider": payment.provider}
        )
        if not finding.settled and not row.is_open:
            row.opened_at, row.resolved_at = now, None
        elif finding.settled and row.is_open:
            row.resolved_at = now
        row.provider = payment.provider
        row.our_status = payment.status
        row.provider_status = finding.provider_status[:300]
        row.needed = finding.needed
        row.answer = finding.answer
        row.is_open = not finding.settled
        row.checks += 1
        row.checked_at = now
        row.save()
    logger.info(
        "reconcile merchant_trans_id=%s provider=%s ours=%s theirs=%s settled=%s",
        payment.merchant_trans_id,
        payment.provider,
        payment.status,
        finding.provider_status.replace(" ", "_")[:80] or "-",
        int(finding.settled),
    )


def run(*, provider: str | None = None, since: datetime | None = None):
    """Check every candidate; yield (payment, finding) as each is checked."""
    for payment in candidates(provider=provider, since=since).iterator():
        yield payment, check(payment)
