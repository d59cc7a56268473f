"""The Deposit state machine (CONTRACT 9): the only code that changes a deposit's status.

Provider-agnostic: a provider app registers a backend (register_backend) that speaks to its
API; this module owns the rules. Every change runs in a transaction with the deposit row
locked (select_for_update), is a no-op when repeated, and appends one DepositEvent. A
release or capture keeps the row locked while the provider is asked, so a job and an admin
(or two jobs) acting at once ask the provider once: the second finds the work done.

    processing -> held | failed        (the hold answered, or receipts.check settled it)
    held -> released | charged         (the job after the end, or an admin)
    held (pending release or capture)  (the provider did not confirm: retried by the job)
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Auction, AuctionStatus, Deposit, DepositAction, DepositEvent, DepositStatus
from .services import DomainError, notify

logger = logging.getLogger("payments")

Status = DepositStatus
# A processing deposit the provider never heard of (the request died before asking) is
# failed by the job after this long: nothing was held.
START_GRACE = datetime.timedelta(minutes=10)
WINNER_NOTE = "The auction's winner: held until an admin releases it (deal done) or charges it."
# Holds older than AUCTION_DEPOSIT_MAX_DAYS are asked about at most this often.
OLD_HOLD_RECHECK = datetime.timedelta(hours=6)


class DepositError(DomainError):
    """A refused deposit change (400 in the API); nothing was changed."""


class DepositConflict(DepositError):
    """Another action on the deposit is pending (409)."""

    status = 409


class NotConfirmed(Exception):
    """The provider did not confirm a release or capture (unreachable, or an error)."""


@dataclass(frozen=True)
class HoldOutcome:
    """What a backend's hold() learnt: status held, failed or processing."""

    status: str
    reference: str = ""
    reason: dict | None = None


class DepositBackend:
    """What a provider implements to hold deposits on its cards."""

    name = ""

    def card(self, user, card_id):
        """The user's saved card `card_id`, or raise ObjectDoesNotExist (404)."""
        raise NotImplementedError

    def cards(self, user) -> list[tuple[int, str]]:
        """The user's saved cards as (id, label) for the website's deposit form."""
        raise NotImplementedError

    def cards_url(self) -> str:
        """Where a user adds a card."""
        raise NotImplementedError

    def hold(self, deposit: Deposit, card, set_reference) -> HoldOutcome:
        """Hold deposit.amount on the card; call set_reference(ref) as soon as it has one."""
        raise NotImplementedError

    def release(self, deposit: Deposit, *, retry: bool) -> None:
        """Cancel the hold, or raise NotConfirmed."""
        raise NotImplementedError

    def capture(self, deposit: Deposit, *, retry: bool) -> None:
        """Capture the hold, or raise NotConfirmed."""
        raise NotImplementedError

    def check(self, deposit: Deposit) -> str | None:
        """The hold's status as the provider sees it (a DepositStatus), None when unknown."""
        raise NotImplementedError


_backends: dict[str, DepositBackend] = {}


def register_backend(backend: DepositBackend) -> None:
    _backends[backend.name] = backend


def backend(name: str | None = None) -> DepositBackend:
    if name is None:
        if not _backends:
            raise DepositError(_("Deposits cannot be held right now."))
        return next(iter(_backends.values()))
    return _backends[name]


# Transitions


def _event(deposit: Deposit, from_status: str, *, cause: str, action: str = "", reference=None):
    DepositEvent.objects.create(
        deposit=deposit,
        from_status=from_status,
        to_status=deposit.status,
        action=action,
        cause=cause[:60],
        reference=reference or {},
        created_at=timezone.now(),
    )


def _move(
    deposit: Deposit,
    to_status: str,
    *,
    cause: str,
    reference: dict | None = None,
    action: str = "",
):
    from_status = deposit.status
    now = timezone.now()
    deposit.status = to_status
    fields = ["status", "updated_at"]
    stamp = {
        Status.HELD: "held_at",
        Status.FAILED: "failed_at",
        Status.RELEASED: "released_at",
        Status.CHARGED: "charged_at",
    }.get(to_status)
    if stamp:
        setattr(deposit, stamp, now)
        fields.append(stamp)
    if to_status in (Status.RELEASED, Status.CHARGED):
        deposit.pending_action, deposit.pending_since = DepositAction.NONE, None
        fields += ["pending_action", "pending_since"]
    deposit.save(update_fields=fields)
    _event(deposit, from_status, cause=cause, action=action, reference=reference)
    if to_status in (Status.HELD, Status.RELEASED, Status.CHARGED):
        notify(f"deposit_{to_status}", deposit.pk)
    logger.info(
        "deposit %s account=%s from=%s to=%s cause=%s",
        deposit.pk,
        deposit.account,
        from_status,
        to_status,
        cause,
    )


def _lock(deposit_id: int, *, wait: bool = True) -> Deposit | None:
    """Lock the deposit row; without `wait`, None when another process holds it (the job
    then leaves that deposit to whoever is working on it, and comes back next run)."""
    if wait:
        return Deposit.objects.select_for_update().get(pk=deposit_id)
    return Deposit.objects.select_for_update(skip_locked=True).filter(pk=deposit_id).first()


def mark_held(deposit_id: int, *, cause: str, reference: dict | None = None) -> Deposit:
    """processing -> held; a held deposit stays as it is."""
    with transaction.atomic():
        deposit = _lock(deposit_id)
        if deposit.status == Status.PROCESSING:
            _move(deposit, Status.HELD, cause=cause, reference=reference)
        return deposit


def mark_failed(deposit_id: int, *, cause: str, reason: dict | None = None) -> Deposit:
    """processing -> failed with the provider's reason; any other status stays."""
    with transaction.atomic():
        deposit = _lock(deposit_id)
        if deposit.status == Status.PROCESSING:
            deposit.failure_reason = reason or {}
            deposit.save(update_fields=["failure_reason", "updated_at"])
            _move(deposit, Status.FAILED, cause=cause, reference={"reason": reason or {}})
        return deposit


def set_reference(deposit_id: int, reference: str) -> None:
    """Record the provider's id of the hold as soon as it is known (before paying)."""
    with transaction.atomic():
        deposit = _lock(deposit_id)
        if not deposit.provider_reference:
            deposit.provider_reference = reference
            deposit.save(update_fields=["provider_reference", "updated_at"])


# Holding


def hold_deposit(*, auction_id: int, bidder, card_id: object) -> tuple[Deposit, bool]:
    """Hold the auction's deposit on the bidder's card; return (deposit, created).

    A bidder holds at most one deposit per auction: a repeat answers the existing one,
    unless it failed (then a new attempt). The row is committed before the provider is
    asked, so no hold ever exists without a record of it.
    """
    provider = backend()
    deposit = None
    with transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        if not auction.is_paid and auction.seller_id != bidder.pk:
            raise Auction.DoesNotExist
        if auction.deposit <= 0:
            raise DepositError(_("This auction asks no deposit."))
        if auction.seller_id == bidder.pk:
            raise DepositError(_("The seller cannot hold a deposit on their own auction."))
        if auction.current_status() not in (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE):
            raise DepositError(_("Deposits are held only before or during the auction."))
        existing = (
            Deposit.objects.filter(auction=auction, bidder=bidder)
            .exclude(status=Status.FAILED)
            .first()
        )
        if existing is not None:
            return existing, False
        card = provider.card(bidder, card_id)  # 404 for a card that is not the bidder's
        try:
            with transaction.atomic():
                deposit = Deposit.objects.create(
                    auction=auction, bidder=bidder, provider=provider.name, amount=auction.deposit
                )
        except IntegrityError:  # the auction row lock makes this unreachable; be safe
            return Deposit.objects.get(auction=auction, bidder=bidder, status__in=_LIVE), False
        _event(deposit, Status.PROCESSING, cause=f"bidder:{bidder.pk}", action="open")
    outcome = provider.hold(deposit, card, lambda ref: set_reference(deposit.pk, ref))
    if outcome.status == Status.HELD:
        deposit = mark_held(deposit.pk, cause=provider.name, reference={"ref": outcome.reference})
    elif outcome.status == Status.FAILED:
        deposit = mark_failed(deposit.pk, cause=provider.name, reason=outcome.reason)
    else:
        deposit.refresh_from_db()
    return deposit, True


_LIVE = (Status.PROCESSING, Status.HELD, Status.RELEASED, Status.CHARGED)


def current_deposit(auction_id: int, bidder) -> Deposit | None:
    """The bidder's deposit for the auction: the live one, else the newest failed attempt."""
    if not bidder.is_authenticated:
        return None
    deposits = list(Deposit.objects.filter(auction_id=auction_id, bidder=bidder).order_by("-id"))
    live = [deposit for deposit in deposits if deposit.status != Status.FAILED]
    return (live or deposits or [None])[0]


def holds_deposit(auction: Auction, bidder) -> bool:
    """Whether the bidder may bid on an auction that asks a deposit."""
    return Deposit.objects.filter(auction=auction, bidder=bidder, status=Status.HELD).exists()


def validate_deposit(
    deposit: Decimal | None, *, end_time: datetime.datetime, now: datetime.datetime
) -> str | None:
    """The refusal for an auction's deposit, or None (CONTRACT 9: holds do not last)."""
    if deposit is None or deposit == 0:
        return None
    if deposit < 0:
        return _("The deposit cannot be negative.")
    limit = settings.AUCTION_DEPOSIT_MAX_DAYS
    if end_time > now + datetime.timedelta(days=limit):
        return _(
            "An auction that asks a deposit must end within %(days)s days of its creation: "
            "card holds do not last longer."
        ) % {"days": limit}
    return None


# Release and capture


def release(deposit_id: int, *, cause: str, wait: bool = True) -> str:
    """Cancel the hold, exactly once; return "released", "pending" (retried), "already"
    or, without `wait`, "busy" when another process is working on it."""
    return _finish(deposit_id, DepositAction.RELEASE, Status.RELEASED, cause=cause, wait=wait)


def charge(deposit_id: int, *, cause: str, wait: bool = True) -> str:
    """Capture the hold, exactly once; return "charged", "pending", "already" or "busy"."""
    return _finish(deposit_id, DepositAction.CAPTURE, Status.CHARGED, cause=cause, wait=wait)


def _finish(deposit_id: int, action: str, to_status: str, *, cause: str, wait: bool) -> str:
    with transaction.atomic():
        deposit = _lock(deposit_id, wait=wait)
        if deposit is None:
            return "busy"
        if deposit.status == to_status:
            return "already"
        if deposit.status != Status.HELD:
            raise DepositError(
                _("A %(status)s deposit cannot be %(done)s.")
                % {"status": deposit.get_status_display(), "done": Status(to_status).label}
            )
        if deposit.pending_action and deposit.pending_action != action:
            raise DepositConflict(
                _("A %(action)s of this deposit is pending; it is retried until confirmed.")
                % {"action": DepositAction(deposit.pending_action).label}
            )
        retry = bool(deposit.pending_action)
        provider = backend(deposit.provider)
        try:
            if action == DepositAction.RELEASE:
                provider.release(deposit, retry=retry)
            else:
                provider.capture(deposit, retry=retry)
        except NotConfirmed as error:
            deposit.attempts += 1
            deposit.pending_note = f"{cause}: {error}"[:500]
            fields = ["attempts", "pending_note", "updated_at"]
            if not retry:
                deposit.pending_action, deposit.pending_since = action, timezone.now()
                fields += ["pending_action", "pending_since"]
            deposit.save(update_fields=fields)
            if not retry:  # one audit row: the action is asked and waits for the provider
                _event(deposit, Status.HELD, cause=cause, action=action, reference={})
            logger.warning(
                "deposit %s not confirmed account=%s action=%s attempts=%s",
                deposit.pk,
                deposit.account,
                action,
                deposit.attempts,
            )
            return "pending"
        _move(
            deposit, to_status, cause=cause, action=action, reference={"attempts": deposit.attempts}
        )
        return to_status


# Settling with the provider


def settle_processing(deposit_id: int, *, cause: str = "job", wait: bool = False) -> str:
    """Ask the provider about a processing deposit: held, failed, or still processing."""
    with transaction.atomic():
        deposit = _lock(deposit_id, wait=wait)
        if deposit is None:
            return "busy"  # the bidder's own request is settling it right now
        if deposit.status != Status.PROCESSING:
            return "already"
        if not deposit.provider_reference:
            if deposit.created_at > timezone.now() - START_GRACE:
                return "processing"
            deposit.failure_reason = {"text": "the hold was never made"}
            deposit.save(update_fields=["failure_reason", "updated_at"])
            _move(deposit, Status.FAILED, cause=cause, reference={"reason": "not_started"})
            return Status.FAILED
        seen = backend(deposit.provider).check(deposit)
        deposit.checked_at = timezone.now()
        deposit.save(update_fields=["checked_at", "updated_at"])
        if seen == Status.HELD:
            _move(deposit, Status.HELD, cause=cause, reference={"checked": seen})
            return Status.HELD
        if seen == Status.FAILED:
            _move(deposit, Status.FAILED, cause=cause, reference={"checked": seen})
            return Status.FAILED
        return "processing"


def check_old_hold(deposit_id: int, *, cause: str = "job", wait: bool = False) -> str:
    """Ask about a hold older than AUCTION_DEPOSIT_MAX_DAYS: the bank may have dropped it."""
    with transaction.atomic():
        deposit = _lock(deposit_id, wait=wait)
        if deposit is None:
            return "busy"
        if deposit.status != Status.HELD:
            return "already"
        seen = backend(deposit.provider).check(deposit)
        deposit.checked_at = timezone.now()
        deposit.save(update_fields=["checked_at", "updated_at"])
        if seen in (Status.RELEASED, Status.FAILED):
            _move(deposit, Status.RELEASED, cause=cause, reference={"checked": "cancelled"})
            return Status.RELEASED
        if seen == Status.CHARGED:
            _move(deposit, Status.CHARGED, cause=cause, reference={"checked": "captured"})
            return Status.CHARGED
        return Status.HELD


def run_job(now: datetime.datetime | None = None) -> dict:
    """The deposits' part of the lifecycle job: release, retry, settle, re-check."""
    now = now or timezone.now()
    counts = {"released": 0, "retried": 0, "settled": 0, "old_holds_checked": 0}
    # Each unconfirmed action is retried once a run: listed before this run adds any.
    pending = Deposit.objects.filter(status=Status.HELD).exclude(pending_action="")
    pending = list(pending.values_list("pk", "pending_action"))
    over = (AuctionStatus.ENDED, AuctionStatus.CANCELLED)
    to_release = (
        Deposit.objects.filter(status=Status.HELD, pending_action="", auction__status__in=over)
        .filter(Q(auction__winner__isnull=True) | ~Q(bidder_id=F("auction__winner_id")))
        .values_list("pk", flat=True)
    )
    for deposit_id in list(to_release):
        counts["released"] += _quietly(
            release, deposit_id, Status.RELEASED, cause="job:ended", wait=False
        )
    # The winner's stays held: say why, where the admin looks (CONTRACT 9).
    Deposit.objects.filter(
        status=Status.HELD,
        pending_action="",
        pending_note="",
        auction__status=AuctionStatus.ENDED,
        bidder_id=F("auction__winner_id"),
    ).update(pending_note=WINNER_NOTE, updated_at=now)
    for deposit_id, action in pending:
        work, done = (
            (release, "released") if action == DepositAction.RELEASE else (charge, "charged")
        )
        counts["retried"] += _quietly(work, deposit_id, done, cause="job:retry", wait=False)
    processing = Deposit.objects.filter(status=Status.PROCESSING).values_list("pk", flat=True)
    for deposit_id in list(processing):
        counts["settled"] += _quietly(settle_processing, deposit_id, (Status.HELD, Status.FAILED))
    old = Deposit.objects.filter(
        status=Status.HELD,
        pending_action="",
        held_at__lt=now - datetime.timedelta(days=settings.AUCTION_DEPOSIT_MAX_DAYS),
    ).filter(Q(checked_at__isnull=True) | Q(checked_at__lt=now - OLD_HOLD_RECHECK))
    for deposit_id in list(old.values_list("pk", flat=True)):
        _quietly(check_old_hold, deposit_id, ())
        counts["old_holds_checked"] += 1
    return counts


def _quietly(work, deposit_id: int, done, **options) -> int:
    """Run one deposit's step; a failure is logged and the job goes on to the next."""
    done = done if isinstance(done, tuple) else (done,)
    try:
        return int(work(deposit_id, **options) in done)
    except DomainError as refusal:
        logger.info("deposit %s job step refused: %s", deposit_id, refusal.message)
    except Exception:
        logger.exception("deposit %s job step failed", deposit_id)
    return 0
