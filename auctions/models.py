"""Listings, auctions, bids, and the shared AuctionPayment with its audit trail."""

import secrets
import string
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MERCHANT_TRANS_ID_ALPHABET = string.digits + string.ascii_uppercase
MERCHANT_TRANS_ID_PATTERN = r"AUCTION_[0-9A-Z]{20}"
PHONE_PATTERN = r"\+998[0-9]{9}"
POSITIVE = [MinValueValidator(Decimal("0.01"))]


def new_merchant_trans_id() -> str:
    """A public payment id: AUCTION_ and 20 characters of 0-9A-Z (CONTRACT 1)."""
    return "AUCTION_" + "".join(secrets.choice(MERCHANT_TRANS_ID_ALPHABET) for _ in range(20))


def money_field(**options) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **options)


def largest_storable(field: models.DecimalField) -> Decimal:
    """The largest value a DecimalField's column holds (999999999999.99 for 14 and 2)."""
    whole_digits = field.max_digits - field.decimal_places
    return Decimal(10) ** whole_digits - Decimal(1).scaleb(-field.decimal_places)


class User(AbstractUser):
    phone = models.CharField(
        _("phone"),
        max_length=13,
        blank=True,
        default="",
        validators=[RegexValidator(f"^{PHONE_PATTERN}$", _("Use +998 and 9 digits."))],
    )
    # The language notifications are written in (uz, ru, en); empty: the site default.
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # "Aziz" and "aziz" are one account, even when two sign-ups race.
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]


class Listing(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="listings")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    address = models.CharField(_("address"), max_length=300)
    rooms = models.PositiveSmallIntegerField(_("rooms"), validators=[MinValueValidator(1)])
    area = models.DecimalField(
        _("area (m²)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(1)]
    )
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ListingPhoto(models.Model):
    listing = models.ForeignKey(Listing, models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="listings/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Photo {self.position} of listing {self.listing_id}"


class AuctionStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("awaiting payment")
    SCHEDULED = "scheduled", _("scheduled")
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")
    CANCELLED = "cancelled", _("cancelled")


class Auction(models.Model):
    listing = models.ForeignKey(Listing, models.PROTECT, related_name="auctions")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="auctions")
    starting_price = money_field(validators=POSITIVE)
    min_increment = money_field(validators=POSITIVE)
    reserve_price = money_field(null=True, blank=True, validators=POSITIVE)
    # The sum a bidder must hold on a card before their first bid (CONTRACT 9); 0: none.
    deposit = money_field(default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    # The stored status; `current_status()` reads the clock on top of it (CONTRACT 8).
    status = models.CharField(
        max_length=20, choices=AuctionStatus.choices, default=AuctionStatus.PENDING_PAYMENT
    )
    is_paid = models.BooleanField(default=False)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Denormalised under the auction row lock by services.place_bid / void_bid.
    current_price = money_field(null=True, blank=True)
    bid_count = models.PositiveIntegerField(default=0)
    # No index: nothing looks auctions up by leader, and without one a bid's UPDATE of this
    # row (a new leader almost every time) stays a HOT update that touches no index at all.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The bidder of the highest live bid",
        db_index=False,
    )
    # How many distinct bidders have bid: the next new bidder is "Bidder <bidder_count + 1>".
    bidder_count = models.PositiveIntegerField(default=0)
    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="auctions_won",
    )
    final_price = money_field(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "start_time"], name="auction_status_start"),
            models.Index(fields=["status", "end_time"], name="auction_status_end"),
            models.Index(fields=["is_paid", "seller"], name="auction_paid_seller"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="auction_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Auction {self.pk} ({self.listing_id})"

    def current_status(self, now=None) -> str:
        """The status as of `now`: a paid auction starts and ends by the clock."""
        if self.status in (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE) and self.is_paid:
            now = now or timezone.now()
            if now >= self.end_time:
                return AuctionStatus.ENDED
            if now >= self.start_time:
                return AuctionStatus.ACTIVE
            return AuctionStatus.SCHEDULED
        return self.status

    @property
    def price(self) -> Decimal:
        """The price to beat: the highest bid, or the starting price before any bid."""
        return self.current_price if self.current_price is not None else self.starting_price

    def next_minimum_bid(self) -> Decimal:
        if self.current_price is None:
            return self.starting_price
        return self.current_price + self.min_increment

    def maximum_bid(self) -> Decimal:
        """The highest bid the rules allow now (CONTRACT 2).

        AUCTION_MAX_BID_FACTOR times the minimum bid, and never so high that the minimum
        bid after it (the bid plus min_increment) would not fit the price columns.
        """
        factor = Decimal(settings.AUCTION_MAX_BID_FACTOR)
        storable = largest_storable(Bid._meta.get_field("amount")) - self.min_increment
        return min(self.next_minimum_bid() * factor, storable)

    def reserve_met(self) -> bool | None:
        if self.reserve_price is None:
            return None
        return self.current_price is not None and self.current_price >= self.reserve_price

    def mark_paid(self, *, at) -> None:
        """Set is_paid and the clock's status; the caller holds the row lock."""
        self.is_paid = True
        self.paid_at = at
        self.status = AuctionStatus.SCHEDULED if self.start_time > at else AuctionStatus.ACTIVE
        self._store_paid_state()

    def mark_unpaid(self) -> None:
        self.is_paid = False
        self.paid_at = None
        self.status = AuctionStatus.PENDING_PAYMENT
        self._store_paid_state()

    def _store_paid_state(self) -> None:
        from . import queries  # it imports these models

        queries.update(self, ["is_paid", "paid_at", "status", "updated_at"])


class Bid(models.Model):
    # Indexed by the composite indexes below, which all start with it: no index of its own.
    auction = models.ForeignKey(Auction, models.PROTECT, related_name="bids", db_index=False)
    bidder = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="bids")
    amount = money_field(validators=POSITIVE)
    # The bidder's public alias within the auction ("Bidder 3"), fixed at their first bid.
    bidder_number = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True, default="")
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # almost always empty; only deleting a staff user would look it up
    )

    class Meta:
        ordering = ["-amount", "-id"]
        # Histories read live bids by amount through bid_unique_live_amount; every index
        # here is written on each bid, under the auction's lock.
        indexes = [models.Index(fields=["auction", "bidder"], name="bid_auction_bidder")]
        constraints = [
            # Bids only go up: no two live bids of one auction share an amount.
            models.UniqueConstraint(
                fields=["auction", "amount"],
                condition=models.Q(voided_at__isnull=True),
                name="bid_unique_live_amount",
            ),
            models.UniqueConstraint(
                fields=["auction", "bidder", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="bid_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} on auction {self.auction_id}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    PROCESSING = "processing", _("processing")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    REFUNDED = "refunded", _("refunded")


OPEN_PAYMENT_STATUSES = (PaymentStatus.PENDING, PaymentStatus.PROCESSING)
# Every other status: no provider callback moves such a payment on (a refund aside).
FINAL_PAYMENT_STATUSES = (
    PaymentStatus.COMPLETED,
    PaymentStatus.FAILED,
    PaymentStatus.CANCELLED,
    PaymentStatus.REFUNDED,
)


class AuctionPayment(models.Model):
    """One payment attempt of an auction's listing fee; moved only by payment_flow."""

    auction = models.ForeignKey(Auction, models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    merchant_trans_id = models.CharField(
        max_length=28, unique=True, default=new_merchant_trans_id, editable=False
    )
    amount = money_field()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # Set when the payer was charged but the auction was already paid by another payment.
    needs_refund = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["auction", "provider", "status"], name="payment_open_lookup"),
            models.Index(fields=["status", "created_at"], name="payment_status_created"),
        ]

    def __str__(self) -> str:
        return self.merchant_trans_id


class AppendOnly(models.Model):
    """An audit row: written once, never changed or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name_plural} are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name_plural} are append-only")


class PaymentEvent(AppendOnly):
    """Append-only audit trail: one row per payment status change."""

    payment = models.ForeignKey(AuctionPayment, models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    to_status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    cause = models.CharField(max_length=30, help_text="What moved it: a provider, system, admin")
    reference = models.JSONField(default=dict, blank=True, help_text="The cause's own ids")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["payment", "to_status"], name="event_payment_to")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_status} -> {self.to_status}"


class Notification(models.Model):
    """Outbox: an event to tell people about, written in the transaction that caused it.

    The worker's deliver_notifications job sends them, so a request never publishes to a
    broker or waits on mail, and an event survives a broker that is down.
    """

    event = models.CharField(max_length=40)
    arguments = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event}{self.arguments}"


DEPOSIT_ACCOUNT_PATTERN = r"DEPOSIT_[0-9A-Z]{20}"


def new_deposit_account() -> str:
    """A deposit's public id at the provider: DEPOSIT_ and 20 characters of 0-9A-Z."""
    return "DEPOSIT_" + "".join(secrets.choice(MERCHANT_TRANS_ID_ALPHABET) for _ in range(20))


class DepositStatus(models.TextChoices):
    PROCESSING = "processing", _("processing")
    HELD = "held", _("held")
    FAILED = "failed", _("failed")
    RELEASED = "released", _("released")
    CHARGED = "charged", _("charged")


class DepositAction(models.TextChoices):
    """A release or capture asked for and not yet confirmed by the provider."""

    NONE = "", _("none")
    RELEASE = "release", _("release")
    CAPTURE = "capture", _("charge")


class Deposit(models.Model):
    """A bidder's deposit held on a card for one auction; moved only by deposit_flow."""

    auction = models.ForeignKey(Auction, models.PROTECT, related_name="deposits")
    bidder = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="deposits")
    provider = models.CharField(max_length=20)
    # The id the provider knows it by (Payme: the receipt's account value).
    account = models.CharField(
        max_length=28, unique=True, default=new_deposit_account, editable=False
    )
    amount = money_field()
    status = models.CharField(
        max_length=20, choices=DepositStatus.choices, default=DepositStatus.PROCESSING
    )
    # The provider's own id of the hold (Payme: the receipt `_id`), once it gave one.
    provider_reference = models.CharField(max_length=64, blank=True, default="")
    # The provider's refusal, as it gave it ({"ru", "uz", "en"} or {"text": ...}).
    failure_reason = models.JSONField(default=dict, blank=True)
    pending_action = models.CharField(
        max_length=10, choices=DepositAction.choices, blank=True, default=""
    )
    # Why the deposit is still held: who asked the pending action, and the last failure.
    pending_note = models.TextField(blank=True, default="")
    pending_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    held_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    charged_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "auction"], name="deposit_status_auction"),
        ]
        constraints = [
            # CONTRACT 9: at most one deposit per bidder and auction, unless it failed.
            models.UniqueConstraint(
                fields=["auction", "bidder"],
                condition=~models.Q(status="failed"),
                name="deposit_one_per_bidder",
            ),
        ]

    def __str__(self) -> str:
        return self.account


class DepositEvent(AppendOnly):
    """Append-only audit trail: one row per deposit change (status or pending action)."""

    deposit = models.ForeignKey(Deposit, models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=DepositStatus.choices)
    to_status = models.CharField(max_length=20, choices=DepositStatus.choices)
    action = models.CharField(max_length=10, blank=True, default="")
    cause = models.CharField(max_length=60, help_text="What moved it: provider, job, admin")
    reference = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.deposit_id}: {self.from_status} -> {self.to_status}"


class LoginFailure(models.Model):
    """One failed password attempt for a username (auctions/login_limit.py, CONTRACT 2).

    In the database, so every gunicorn worker counts the same attempts without a cache.
    """

    username = models.CharField(max_length=150)  # case-folded, as typed; the user may not exist
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["username", "created_at"], name="login_failure_recent"),
            models.Index(fields=["created_at"], name="login_failure_created"),
        ]

    def __str__(self) -> str:
        return f"{self.username} at {self.created_at}"


class Reconciliation(models.Model):
    """The last answer reconcile got from a payment's provider (CONTRACT 11).

    One row per payment ever reconciled; `is_open` while reconcile could not settle it or
    found the provider in disagreement: those rows are the admin's "Discrepancies".
    """

    payment = models.OneToOneField(AuctionPayment, models.CASCADE, related_name="reconciliation")
    provider = models.CharField(max_length=20)
    our_status = models.CharField(max_length=20, help_text="Our payment status after the check")
    provider_status = models.CharField(max_length=300, help_text="What the provider answered")
    needed = models.TextField(blank=True, default="", help_text="What an operator must do")
    answer = models.JSONField(default=dict, blank=True, help_text="The provider's last answer")
    is_open = models.BooleanField(default=False)
    checks = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["is_open", "provider"], name="reconciliation_open")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.provider_status}"


class OpenDiscrepancies(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(is_open=True)


class Discrepancy(Reconciliation):
    """A reconciliation left open: the admin's "Discrepancies" list."""

    objects = OpenDiscrepancies()

    class Meta:
        proxy = True
        verbose_name_plural = "discrepancies"
