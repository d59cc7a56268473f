"""Celery tasks of the auction lifecycle; beat runs them (CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from . import deposit_flow, notifications, providers, services

logger = logging.getLogger(__name__)


@shared_task
def advance_auctions() -> dict:
    """The lifecycle job (CONTRACT 7 and 9), also `manage.py advance_auctions`.

    Start the auctions whose start_time came, end those whose end_time passed, release
    their deposits (all but the winner's), retry each unconfirmed release, capture and
    card removal once, settle processing deposits and re-check old holds. Every step is
    exactly once under row locks, so two runs at once do nothing twice.
    """
    to_start, to_end = services.due_auctions()
    done = {
        "started": sum(services.start_auction(pk) for pk in to_start),
        "ended": sum(services.end_auction(pk) for pk in to_end),
    }
    done.update({f"deposits_{name}": count for name, count in deposit_flow.run_job().items()})
    for name, job in providers.jobs().items():
        try:
            done[name] = job()
        except Exception:
            logger.exception("lifecycle step failed step=%s", name)
            done[name] = 0
    if any(done.values()):
        logger.info(
            "auctions advanced %s", " ".join(f"{name}={count}" for name, count in done.items())
        )
    return done


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


@shared_task
def reconcile() -> int:
    """The beat's reconcile run (CONTRACT 11); returns how many payments are left unsettled."""
    from . import reconcile as reconciliation

    unsettled = sum(not finding.settled for _, finding in reconciliation.run())
    if unsettled:
        logger.warning("reconcile left unsettled count=%s", unsettled)
    return unsettled
