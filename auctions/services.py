"""Auctions, bids and starting payments: the rules shared by the API and the website."""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import payment_flow, providers, queries
from .models import (
    OPEN_PAYMENT_STATUSES,
    Auction,
    AuctionPayment,
    AuctionStatus,
    Bid,
    Listing,
    Notification,
    PaymentStatus,
    largest_storable,
)
from .money import format_money

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal a person can read; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotSeller(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class BidRefused(DomainError):
    pass


class UsernameTaken(DomainError):
    pass


def register_user(*, username: str, password: str, email: str = "", phone: str = ""):
    """Create an account (API and website alike); a taken username, even in a race, refuses."""
    from django.contrib.auth import get_user_model

    try:
        with transaction.atomic():
            return get_user_model().objects.create_user(
                username=username, password=password, email=email, phone=phone
            )
    except IntegrityError:
        raise UsernameTaken(_("This username is taken.")) from None


# Listings


class ListingLocked(Conflict):
    pass


def listing_is_locked(listing: Listing) -> bool:
    """Whether an auction of the listing is paid: then what bidders bid on never changes."""
    return Auction.objects.filter(listing=listing, is_paid=True).exists()


def lock_listing_for_edit(listing_id: int) -> Listing:
    """Lock the listing and its auctions for an edit; ListingLocked once one is paid.

    In the caller's transaction. The auction rows are locked too: a payment completing
    meanwhile (which locks its auction) either waits for the edit or is seen as paid here.
    """
    listing = Listing.objects.select_for_update().get(pk=listing_id)
    paid = [
        auction.is_paid
        for auction in Auction.objects.select_for_update().filter(listing=listing).order_by("pk")
    ]
    if any(paid):
        raise ListingLocked(listing_locked_message())
    return listing


def listing_locked_message() -> str:
    return _("This listing has a paid auction: what bidders bid on can no longer change.")


# Auctions


def validate_auction(
    *,
    listing: Listing,
    seller,
    starting_price: Decimal,
    min_increment: Decimal,
    reserve_price: Decimal | None,
    start_time: datetime.datetime,
    end_time: datetime.datetime,
    deposit: Decimal | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, str]:
    """Return {field: message} for every rule the new auction breaks (empty when valid)."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if listing.owner_id != seller.pk:
        errors["listing"] = _("You can only auction your own listing.")
    elif (
        Auction.objects.filter(listing=listing)
        .exclude(status__in=(AuctionStatus.ENDED, AuctionStatus.CANCELLED))
        .exclude(is_paid=True, end_time__lte=now)
        .exists()
    ):
        errors["listing"] = _("This listing already has an open auction.")
    if starting_price is not None and starting_price <= 0:
        errors["starting_price"] = _("The starting price must be greater than zero.")
    if min_increment is not None and min_increment <= 0:
        errors["min_increment"] = _("The minimum increment must be greater than zero.")
    if reserve_price is not None and reserve_price <= 0:
        errors["reserve_price"] = _("The reserve price must be greater than zero.")
    if (
        starting_price is not None
        and min_increment is not None
        and starting_price + min_increment > largest_storable(Bid._meta.get_field("amount"))
    ):
        # The first bid (the starting price) must leave room for the minimum bid after it.
        errors["starting_price"] = _("The starting price plus the increment is too large.")
    if start_time < now - datetime.timedelta(minutes=1):
        errors["start_time"] = _("The start time may not be in the past.")
    if end_time <= start_time:
        errors["end_time"] = _("The end time must be after the start time.")
    elif (end_time - start_time).total_seconds() < settings.AUCTION_MIN_DURATION:
        errors["end_time"] = _("The auction must last at least %(seconds)s seconds.") % {
            "seconds": settings.AUCTION_MIN_DURATION
        }
    from .deposit_flow import validate_deposit

    deposit_refusal = validate_deposit(deposit, end_time=end_time, now=now)
    if deposit_refusal:
        errors["deposit"] = deposit_refusal
    return errors


class AuctionInvalid(DomainError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def create_auction(*, listing: Listing, seller, **fields) -> Auction:
    """Open an auction for a listing; the listing row lock makes "one open auction per
    listing" hold when two requests race. Raises AuctionInvalid with {field: message}."""
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(pk=listing.pk)
        errors = validate_auction(
            listing=listing, seller=seller, **{"reserve_price": None, **fields}
        )
        if errors:
            raise AuctionInvalid(errors)
        return Auction.objects.create(listing=listing, seller=seller, **fields)


def visible_auctions(user):
    """Every paid auction, plus the user's own in any status (staff see all)."""
    auctions = Auction.objects.select_related("listing")
    if user.is_authenticated and user.is_staff:
        return auctions
    if user.is_authenticated:
        return auctions.filter(Q(is_paid=True) | Q(seller=user))
    return auctions.filter(is_paid=True)


# Bids


def soft_close_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.AUCTION_SOFT_CLOSE_MINUTES)


def place_bid(
    *, auction_id: int, bidder, amount: Decimal, idempotency_key: str | None = None
) -> tuple[Bid, bool]:
    """Place a bid under the auction row lock; return (bid, created).

    A repeat with the same idempotency key from the same bidder returns the first bid.
    A bid inside the soft-close window moves end_time to now + the window.
    """
    if not 0 < int(auction_id) < 2**63:
        raise Auction.DoesNotExist  # no id column holds it (SQLite would refuse the value)
    # A bidder keeps its alias number once given, so it is read before the lock (keeping
    # the serialised part short); only a first bid looks again under the lock.
    number = _bidder_number(auction_id, bidder.pk)
    with transaction.atomic():
        auction = queries.lock_auction(int(auction_id))
        if auction is None:
            raise Auction.DoesNotExist
        if not auction.is_paid and auction.seller_id != bidder.pk:
            raise Auction.DoesNotExist  # an unpaid auction is visible to its seller only
        if idempotency_key:
            earlier = Bid.objects.filter(
                auction=auction, bidder=bidder, idempotency_key=idempotency_key
            ).first()
            if earlier is not None:
                return earlier, False
        now = timezone.now()
        if auction.current_status(now) != AuctionStatus.ACTIVE:
            raise BidRefused(_("The auction is not active."))
        if bidder.pk == auction.seller_id:
            raise BidRefused(_("The seller cannot bid on their own auction."))
        if auction.deposit > 0 and not _holds_deposit(auction, bidder):
            raise BidRefused(
                _("This auction asks a deposit of %(amount)s: hold it on a card before bidding.")
                % {"amount": format_money(auction.deposit)}
            )
        minimum = auction.next_minimum_bid()
        if amount < minimum:
            raise BidRefused(_("The bid must be at least %(minimum)s.") % {"minimum": minimum})
        maximum = auction.maximum_bid()
        if maximum < minimum:  # at the top of what the price columns hold
            raise BidRefused(_("This auction's price cannot go any higher."))
        if amount > maximum:
            raise BidRefused(_("The bid may be at most %(maximum)s.") % {"maximum": maximum})
        fields = ["current_price", "bid_count", "leader", "updated_at"]
        if number is None:
            number = _bidder_number(auction.pk, bidder.pk)
        if number is None:  # a new bidder: the next alias
            auction.bidder_count += 1
            number = auction.bidder_count
            fields.append("bidder_count")
        # The auction row lock serialises bids, so the unique constraints cannot be hit here.
        bid = queries.insert(
            Bid(
                auction=auction,
                bidder=bidder,
                amount=amount,
                bidder_number=number,
                idempotency_key=idempotency_key or None,
                created_at=now,
            )
        )
        bid.auction, bid.bidder = auction, bidder  # as create() would have them cached
        previous_leader = auction.leader_id
        auction.current_price = amount
        auction.bid_count += 1
        auction.leader = bidder
        extended = False
        if auction.end_time - now < soft_close_window():
            auction.end_time = now + soft_close_window()
            fields.append("end_time")
            extended = True
        queries.update(auction, fields)
        notify("bid_placed", bid.pk, previous_leader, extended)
    return bid, True


def _holds_deposit(auction: Auction, bidder) -> bool:
    from .deposit_flow import holds_deposit

    return holds_deposit(auction, bidder)


def _bidder_number(auction_id: int, bidder_id: int) -> int | None:
    return queries.bidder_number(int(auction_id), bidder_id)


def void_bid(*, bid_id: int, staff_user, reason: str) -> Bid:
    """Void one bid with a recorded reason and recompute the auction's price."""
    if not reason.strip():
        raise DomainError(_("A reason is required to void a bid."))
    with transaction.atomic():
        auction_id = Bid.objects.values_list("auction_id", flat=True).get(pk=bid_id)
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        bid = Bid.objects.select_for_update().get(pk=bid_id)
        if bid.voided_at is None:
            bid.voided_at = timezone.now()
            bid.void_reason = reason.strip()
            bid.voided_by = staff_user
            queries.update(bid, ["voided_at", "void_reason", "voided_by"])
            live = Bid.objects.filter(auction=auction, voided_at__isnull=True)
            top = live.order_by("-amount", "-id").first()
            auction.current_price = top.amount if top else None
            auction.leader_id = top.bidder_id if top else None
            auction.bid_count = live.count()
            queries.update(auction, ["current_price", "leader", "bid_count", "updated_at"])
        return bid


def bidder_alias(number: int) -> str:
    return _("Bidder %(number)s") % {"number": number}


def bidder_aliases(auction: Auction) -> dict[int, str]:
    """A stable alias per bidder within one auction: "Bidder N" by order of first bid."""
    numbers = (
        Bid.objects.filter(auction=auction).values_list("bidder_id", "bidder_number").distinct()
    )
    return {bidder_id: bidder_alias(number) for bidder_id, number in numbers}


# Payments


def start_payment(*, auction_id: int, user, provider_name: object, request=None):
    """Open (or return the open) payment of an auction's fee; return (payment, created, url).

    Order (CONTRACT 1): the seller check, then already paid (409), then the provider.
    """
    # Before the auction lock: cancelling locks a payment, and payments lock before auctions.
    _cancel_stale_payments(auction_id, provider_name)
    with transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        if auction.seller_id != user.pk:
            raise NotSeller(_("Only the auction's seller can pay its fee."))
        if auction.is_paid:
            raise Conflict(_("This auction is already paid."))
        provider = providers.offered(provider_name)  # an unconfigured one is unknown
        if provider is None:
            raise DomainError(
                _("Unknown provider; choose one of: %(names)s.")
                % {"names": ", ".join(p.name for p in providers.offered_providers())}
            )
        if auction.status == AuctionStatus.CANCELLED:
            raise Conflict(_("This auction is cancelled."))
        if auction.end_time <= timezone.now():
            raise Conflict(_("This auction's end time has passed."))
        payment = _open_payment(auction, provider)
        created = payment is None
        if created:
            payment = AuctionPayment.objects.create(
                auction=auction,
                provider=provider.name,
                amount=provider.amount(),
                currency=provider.currency,
            )
    payment.auction = auction
    if created and provider.start is not None:
        provider.start(payment, request)  # may raise providers.ProviderUnavailable
        payment.refresh_from_db(fields=["status"])
    return payment, created, provider.pay_url(payment, request)


# A provider's start() (a gateway call) that has not moved its payment on by then crashed.
START_GRACE = datetime.timedelta(seconds=60)


def _open_payment(auction: Auction, provider) -> AuctionPayment | None:
    """The auction's open payment with this provider, if it can still be paid.

    A payment whose provider has a start() and that is still pending is being opened by
    another request right now (409: try again), or was left half-opened (cancelled here).
    """
    payment = (
        AuctionPayment.objects.filter(
            auction=auction, provider=provider.name, status__in=OPEN_PAYMENT_STATUSES
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if payment is not None and provider.reusable is not None and not provider.reusable(payment):
        raise Conflict(_("A card payment of this auction is being processed."))
    if payment is None or provider.start is None or payment.status != PaymentStatus.PENDING:
        return payment
    if payment.created_at > timezone.now() - START_GRACE:
        raise Conflict(_("This payment is being opened; try again in a moment."))
    payment_flow.cancel_payment(payment.pk, cause="system", reference={"reason": "not_started"})
    return None


def _cancel_stale_payments(auction_id: int, provider_name: object) -> None:
    """Cancel the auction's pending payments with this provider older than the TTL, and
    the attempts the provider says can no longer be paid (provider.expire)."""
    if isinstance(provider_name, str):
        expire_stale_payments(auction_id=auction_id, provider=provider_name)
        provider = providers.get(provider_name)
        if provider is not None and provider.expire is not None:
            provider.expire(auction_id=auction_id)


# Lifecycle: each transition exactly once, re-checked under the auction row lock.


def due_auctions(now=None) -> tuple[list[int], list[int]]:
    """Ids of paid auctions due to start and due to end (indexed on status and time)."""
    now = now or timezone.now()
    to_start = list(
        Auction.objects.filter(
            status=AuctionStatus.SCHEDULED, is_paid=True, start_time__lte=now
        ).values_list("pk", flat=True)
    )
    to_end = list(
        Auction.objects.filter(
            status__in=(AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE),
            is_paid=True,
            end_time__lte=now,
        ).values_list("pk", flat=True)
    )
    return to_start, to_end


def start_auction(auction_id: int) -> bool:
    """scheduled -> active once start_time has come; return whether this call moved it."""
    with transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        now = timezone.now()
        if auction.status != AuctionStatus.SCHEDULED or not auction.is_paid:
            return False
        if auction.start_time > now or auction.end_time <= now:
            return False  # not yet, or it is due to end instead
        auction.status = AuctionStatus.ACTIVE
        queries.update(auction, ["status", "updated_at"])
        return True


def end_auction(auction_id: int) -> bool:
    """Close a paid auction at its (possibly extended) end_time; return whether it moved.

    The winner is the highest live bid at or above the reserve; otherwise it ends unsold.
    """
    with transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        now = timezone.now()
        if auction.status not in (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE):
            return False
        if not auction.is_paid or auction.end_time > now:
            return False  # a bid in the soft-close window moved the end: not yet
        top = (
            Bid.objects.filter(auction=auction, voided_at__isnull=True)
            .order_by("-amount", "id")
            .first()
        )
        sold = top is not None and (
            auction.reserve_price is None or top.amount >= auction.reserve_price
        )
        auction.status = AuctionStatus.ENDED
        auction.ended_at = now
        auction.winner = top.bidder if sold else None
        auction.final_price = top.amount if sold else None
        queries.update(auction, ["status", "ended_at", "winner", "final_price", "updated_at"])
        notify("auction_ended", auction.pk)
        return True


def expire_stale_payments(now=None, **among) -> int:
    """Cancel payments left pending longer than PAYMENT_PENDING_TTL; return how many.

    `among` narrows the payments looked at (e.g. auction_id=…, provider=…).
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.PAYMENT_PENDING_TTL)
    expired = 0
    stale = AuctionPayment.objects.filter(
        status=PaymentStatus.PENDING, created_at__lt=cutoff, **among
    )
    for payment_id in stale.values_list("pk", flat=True):
        with payment_flow.atomic():
            locked = payment_flow.lock_payment(pk=payment_id)
            payment = locked.payment
            # Re-read under the lock: a provider or another run may have moved it.
            if payment.status != PaymentStatus.PENDING or payment.created_at >= cutoff:
                continue
            payment_flow.cancel_payment(locked, cause="system", reference={"reason": "pending_ttl"})
            expired += 1
    return expired


def notify(event: str, *args) -> None:
    """Record `event` in the outbox, inside the caller's transaction (see Notification)."""
    queries.insert(Notification(event=event, arguments=list(args)))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # In-process mode (tests, `make run`): no worker will come by, deliver after commit.
        from .tasks import deliver_notifications

        transaction.on_commit(deliver_notifications)
