"""Emails to sellers and bidders, each in the recipient's language.

Events wait in the Notification outbox (written in the transaction that caused them);
deliver_outbox, run by the worker's beat job, works out the recipients and sends. A bid
or a callback never waits on the reads here, on mail or on a broker.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Auction, AuctionPayment, Bid, Deposit, Notification, User
from .money import format_money

DEPOSIT_EVENTS = ("deposit_held", "deposit_released", "deposit_charged")

EVENTS = ("bid_placed", "auction_ended", "fee_paid", *DEPOSIT_EVENTS)
MAX_ATTEMPTS = 5


def deliver_outbox(batch: int = 200) -> int:
    """Handle up to `batch` unsent events, each once, even with several workers running.

    Each event is claimed and settled in its own transaction, and its handler runs in a
    savepoint: one event's failure, a database error included, rolls back nothing of the
    others (their sent marks and retry counters stay, so no mail goes out twice).
    """
    handled = 0
    candidates = list(
        Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("id")
        .values_list("pk", flat=True)[:batch]
    )
    for notification_id in candidates:
        handled += _deliver_one(notification_id)
    return handled


def _deliver_one(notification_id: int) -> int:
    """Handle one event under its row lock; return 1 when it was sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .first()
        )
        if notification is None:
            return 0  # another worker has it, or it was settled meanwhile
        try:
            with transaction.atomic():
                if notification.event not in EVENTS:
                    raise ValueError(f"unknown event {notification.event!r}")
                globals()[notification.event](*notification.arguments)
                notification.sent_at = timezone.now()
                notification.save(update_fields=["sent_at"])
        except Exception as error:
            logger.exception("notification event failed id=%s", notification.pk)
            notification.sent_at = None
            notification.attempts += 1
            notification.last_error = repr(error)[:500]
            notification.save(update_fields=["attempts", "last_error"])
            return 0
        return 1


logger = logging.getLogger(__name__)


def bid_placed(bid_id: int, previous_leader_id: int | None, extended: bool) -> None:
    bid = Bid.objects.select_related("auction").get(pk=bid_id)
    auction = bid.auction
    _send("leading", bid.bidder_id, auction.pk)
    if previous_leader_id and previous_leader_id != bid.bidder_id:
        _send("outbid", previous_leader_id, auction.pk)
    if extended:
        for bidder_id in _bidder_ids(auction):
            _send("extended", bidder_id, auction.pk)


def auction_ended(auction_id: int) -> None:
    auction = Auction.objects.get(pk=auction_id)
    for bidder_id in _bidder_ids(auction):
        _send("won" if bidder_id == auction.winner_id else "lost", bidder_id, auction.pk)
    _send("sold" if auction.winner_id else "unsold", auction.seller_id, auction.pk)


def fee_paid(payment_id: int) -> None:
    payment = AuctionPayment.objects.select_related("auction").get(pk=payment_id)
    _send("fee_paid", payment.auction.seller_id, payment.auction_id)


def _deposit_event(kind: str):
    def send(deposit_id: int) -> None:
        deposit = Deposit.objects.get(pk=deposit_id)
        _send(kind, deposit.bidder_id, deposit.auction_id, amount=deposit.amount)

    send.__name__ = kind
    return send


deposit_held = _deposit_event("deposit_held")
deposit_released = _deposit_event("deposit_released")
deposit_charged = _deposit_event("deposit_charged")


def _bidder_ids(auction: Auction) -> list[int]:
    return list(
        Bid.objects.filter(auction=auction, voided_at__isnull=True)
        .values_list("bidder_id", flat=True)
        .distinct()
    )


def _send(kind: str, user_id: int, auction_id: int, **extra) -> None:
    """Send one email; a failure is logged and the other recipients still get theirs.

    A database error fails the whole event instead: the transaction can run no more
    queries, so its savepoint is rolled back and the event retried.
    """
    try:
        deliver(kind, user_id, auction_id, **extra)
    except DatabaseError:
        raise
    except Exception:
        logger.exception(
            "notification failed kind=%s user_id=%s auction_id=%s", kind, user_id, auction_id
        )


def render(kind: str, auction: Auction, amount=None) -> tuple[str, str]:
    """The (subject, body) of one notification in the active language."""
    title = auction.listing.title
    deposit = format_money(amount if amount is not None else auction.deposit)
    price = format_money(auction.price)
    end = auction.end_time
    messages = {
        "leading": (
            _("You are the highest bidder"),
            _("Your bid of %(price)s leads on “%(title)s”.") % {"price": price, "title": title},
        ),
        "outbid": (
            _("You were outbid"),
            _("Someone bid %(price)s on “%(title)s”. Bid again to take the lead.")
            % {"price": price, "title": title},
        ),
        "extended": (
            _("The auction was extended"),
            _("A late bid moved the end of “%(title)s” to %(end)s.")
            % {"title": title, "end": end.strftime("%Y-%m-%d %H:%M UTC")},
        ),
        "won": (
            _("You won the auction"),
            _("You won “%(title)s” for %(price)s. The seller will contact you.")
            % {"title": title, "price": price},
        ),
        "lost": (
            _("The auction has ended"),
            _("“%(title)s” went to another bidder.") % {"title": title},
        ),
        "sold": (
            _("Your apartment is sold"),
            _("“%(title)s” sold for %(price)s.") % {"title": title, "price": price},
        ),
        "unsold": (
            _("Your auction ended unsold"),
            _("“%(title)s” ended without a bid at or above your reserve.") % {"title": title},
        ),
        "deposit_held": (
            _("Your deposit is held"),
            _("%(amount)s is held on your card for “%(title)s”: you may bid.")
            % {"amount": deposit, "title": title},
        ),
        "deposit_released": (
            _("Your deposit is released"),
            _("The %(amount)s held on your card for “%(title)s” is released.")
            % {"amount": deposit, "title": title},
        ),
        "deposit_charged": (
            _("Your deposit was charged"),
            _("The %(amount)s held on your card for “%(title)s” was charged.")
            % {"amount": deposit, "title": title},
        ),
        "fee_paid": (
            _("Listing fee paid"),
            _("The listing fee for “%(title)s” is paid; the auction is on schedule.")
            % {"title": title},
        ),
    }
    return messages[kind]


def deliver(kind: str, user_id: int, auction_id: int, amount=None) -> bool:
    """Write and send one email; return whether one was sent (no address: none)."""
    user = User.objects.get(pk=user_id)
    if not user.email:
        logger.info("notification skipped kind=%s user_id=%s reason=no_email", kind, user_id)
        return False
    auction = Auction.objects.select_related("listing").get(pk=auction_id)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject, body = render(kind, auction, amount)
    send_mail(f"kvartirabar: {subject}", body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
