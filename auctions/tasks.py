"""Celery tasks of the auction lifecycle; beat runs them (CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from . import notifications, providers, services

logger = logging.getLogger(__name__)


@shared_task
def advance_auctions() -> dict:
    """Start the auctions whose start_time came and end those whose end_time passed."""
    to_start, to_end = services.due_auctions()
    started = sum(services.start_auction(pk) for pk in to_start)
    ended = sum(services.end_auction(pk) for pk in to_end)
    if started or ended:
        logger.info("auctions advanced started=%s ended=%s", started, ended)
    return {"started": started, "ended": ended}


@shared_task
def expire_stale_payments() -> int:
    """Cancel stale pending payments, and the attempts each provider says have expired
    (e.g. Payme's 12-hour timeout, CONTRACT 1)."""
    expired = services.expire_stale_payments()
    for provider in providers.all_providers():
        if provider.expire is not None:
            expired += provider.expire()
    if expired:
        logger.info("stale payments cancelled count=%s", expired)
    return expired


@shared_task
def deliver_notifications(batch: int = 200) -> int:
    """Send the outbox's unsent events; return how many were handled."""
    return notifications.deliver_outbox(batch)
