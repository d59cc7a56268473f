"""Saved cards, the listing fee charged to one, and deposits held on one (CONTRACT 9).

The only callers of auctions.payment_flow and auctions.deposit_flow for Subscribe receipts.
No database row is locked while Payme is asked, except where the lock is the point: a
refund, a release or a capture keeps its row locked so that it happens exactly once.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from auctions import deposit_flow, payment_flow, providers
from auctions.crypto import encrypt_text
from auctions.models import (
    OPEN_PAYMENT_STATUSES,
    Auction,
    AuctionPayment,
    AuctionStatus,
    Deposit,
    DepositStatus,
    PaymentStatus,
)
from auctions.money import format_sum, localized_reason, sum_to_tiyin
from auctions.services import Conflict, DomainError, NotSeller

from . import protocol, subscribe
from .models import CardReceipt, ReceiptState, SavedCard

logger = logging.getLogger("payments")

CAUSE = "payme_subscribe"
CARD_NOT_FOUND = -31400  # PROVIDERS 2.7: the token is unknown to Payme
RELEASED_STATES = (ReceiptState.CANCEL_QUEUED, ReceiptState.CANCELLED)


def in_every_language(message: str) -> dict:
    """Our own message (marked with gettext_noop) as Payme gives its: {ru, uz, en}."""
    answer = {}
    for language in ("ru", "uz", "en"):
        with translation.override(language):
            answer[language] = _(message)
    return {"message": answer}


UNANSWERED_CREATE = gettext_noop("Payme did not answer; nothing was charged. Try again.")
CANCELLED_BY_PAYME = gettext_noop("Payme cancelled the payment.")


def failure_text(reason: dict) -> str:
    """A stored refusal in the request's language."""
    return localized_reason(reason.get("message") if isinstance(reason, dict) else reason)


def configured() -> bool:
    return bool(settings.PAYME_MERCHANT_ID and settings.PAYME_KEY)


# -- cards ---------------------------------------------------------------------------------


class CardRefused(DomainError):
    """Payme does not accept the token as a saved card (400)."""


def user_cards(user):
    return SavedCard.objects.filter(user=user, removed_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def add_card(user, token: str) -> SavedCard:
    """Check the token with cards.check and keep it encrypted with the masked number."""
    if not configured():  # CONTRACT 6: a provider without its settings is not offered
        raise DomainError(_("Payme is not available."))
    try:
        card = subscribe.check_card(token)
    except subscribe.Refused as refusal:
        if isinstance(refusal.code, int) and -32768 <= refusal.code <= -32000:
            # A protocol error (our X-Auth refused, a system error): not about the card.
            logger.error("payme cards.check refused our call error=%s", refusal.code)
            raise providers.ProviderUnavailable(_("Payme refused our server's call.")) from None
        raise CardRefused(failure_text(refusal.reason()) or _("Payme refused the card.")) from None
    except subscribe.Unanswered:
        raise providers.ProviderUnavailable(_("Payme cannot be reached.")) from None
    if not card.get("verify"):
        raise CardRefused(_("The card is not verified: confirm it with the SMS code first."))
    if not card.get("recurrent"):
        raise CardRefused(_("This card cannot be charged again later (not recurrent)."))
    number, expire = card.get("number"), card.get("expire")
    if not isinstance(number, str) or not isinstance(expire, str):
        raise providers.ProviderUnavailable(_("Payme gave an unreadable answer."))
    saved = SavedCard.objects.create(
        user=user,
        token_encrypted=encrypt_text(token),
        number=number[:32],
        expire=expire[:8],
    )
    logger.info("payme card saved card=%s user=%s number=%s", saved.pk, user.pk, saved.number)
    return saved


def remove_card(user, card_id: int) -> None:
    """Take the card off every list now; cards.remove at Payme (retried by the job)."""
    with transaction.atomic():
        card = SavedCard.objects.select_for_update().get(
            pk=card_id, user=user, removed_at__isnull=True
        )
        card.removed_at = timezone.now()
        card.save(update_fields=["removed_at"])
    _remove_at_payme(card.pk)


def _remove_at_payme(card_id: int) -> bool:
    with transaction.atomic():
        card = SavedCard.objects.select_for_update().get(pk=card_id)
        if card.remove_confirmed_at is not None:
            return False
        try:
            subscribe.remove_card(subscribe.card_token(card))
        except subscribe.Refused as refusal:
            if refusal.code != CARD_NOT_FOUND:  # already gone at Payme: that is confirmed
                card.remove_attempts += 1
                card.save(update_fields=["remove_attempts"])
                return False
        except subscribe.Unanswered:
            card.remove_attempts += 1
            card.save(update_fields=["remove_attempts"])
            return False
        card.remove_confirmed_at = timezone.now()
        card.save(update_fields=["remove_confirmed_at"])
        logger.info("payme card removed card=%s", card.pk)
        return True


def retry_card_removals() -> int:
    """The lifecycle job's step: cards.remove for removed cards Payme has not confirmed."""
    waiting = SavedCard.objects.filter(removed_at__isnull=False, remove_confirmed_at__isnull=True)
    return sum(_remove_at_payme(pk) for pk in list(waiting.values_list("pk", flat=True)))


# -- the listing fee charged to a card -------------------------------------------------------


def card_answer(payment: AuctionPayment, receipt: CardReceipt) -> dict:
    return {
        "merchant_trans_id": payment.merchant_trans_id,
        "provider": payment.provider,
        "card": receipt.card_id,
        "amount": format_sum(payment.amount),
        "currency": payment.currency,
        "status": payment.status,
        "failure_reason": failure_text(receipt.error)
        if payment.status == PaymentStatus.FAILED
        else None,
        "pay_url": None,
    }


def not_a_card_payment(payment: AuctionPayment) -> bool:
    """A checkout payment may be answered again; a card payment in flight may not."""
    return not CardReceipt.objects.filter(payment_id=payment.pk).exists()


def pay_with_card(*, auction_id: int, user, card_id: int, request=None) -> tuple:
    """Charge the listing fee to a saved card: receipts.create, then receipts.pay once.

    Return (payment, answer). 409 when paid, ended, or while a card payment is open.
    """
    auction = Auction.objects.get(pk=auction_id)
    if auction.seller_id != user.pk:
        raise NotSeller(_("Only the auction's seller can pay its fee."))
    if auction.is_paid:
        raise Conflict(_("This auction is already paid."))
    if not configured():
        raise DomainError(_("Payme is not available."))
    if auction.status == AuctionStatus.CANCELLED:
        raise Conflict(_("This auction is cancelled."))
    if auction.end_time <= timezone.now():
        raise Conflict(_("This auction's end time has passed."))
    card = SavedCard.objects.get(pk=card_id, user=user, removed_at__isnull=True)
    _cancel_open_checkout_payments(auction.pk)
    _fail_abandoned_card_payments(auction.pk)
    with transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        if auction.is_paid:
            raise Conflict(_("This auction is already paid."))
        if AuctionPayment.objects.filter(
            auction=auction, status__in=OPEN_PAYMENT_STATUSES, card_receipt__isnull=False
        ).exists():
            raise Conflict(_("A card payment of this auction is being processed."))
        payment = AuctionPayment.objects.create(
            auction=auction,
            provider="payme",
            amount=settings.AUCTION_LISTING_FEE,
            currency="UZS",
        )
        receipt = CardReceipt.objects.create(
            account=payment.merchant_trans_id,
            payment=payment,
            card=card,
            amount=sum_to_tiyin(payment.amount),
        )
    detail = (
        protocol.receipt_detail(payment.auction_id, payment.amount)
        if settings.PAYME_FISCAL_IKPU
        else None
    )
    try:
        created = subscribe.create_receipt(
            amount=receipt.amount, account=payment.merchant_trans_id, detail=detail
        )
    except subscribe.Refused as refusal:
        _fail(payment, receipt, refusal.reason())
    except subscribe.Unanswered:
        _fail(payment, receipt, in_every_language(UNANSWERED_CREATE))  # nothing was charged
    else:
        receipt.receipt_id = created["_id"][:64]
        receipt.state = _state(created)
        receipt.save(update_fields=["receipt_id", "state", "updated_at"])
        payment_flow.mark_processing(payment.pk, cause=CAUSE, reference=_reference(receipt))
        try:  # never repeated within the request: a lost answer is settled by receipts.check
            paid = subscribe.pay_receipt(receipt.receipt_id, subscribe.card_token(card))
        except subscribe.Refused as refusal:
            _fail(payment, receipt, refusal.reason())
        except subscribe.Unanswered:
            logger.warning("payme card payment unanswered %s", payment.merchant_trans_id)
        else:
            _apply_state(payment, receipt, _state(paid), paid.get("error"))
    payment.refresh_from_db()
    return payment, card_answer(payment, receipt)


def _state(receipt: dict) -> int | None:
    state = receipt.get("state")
    return state if isinstance(state, int) and not isinstance(state, bool) else None


def _reference(receipt: CardReceipt) -> dict:
    return {"receipt_id": receipt.receipt_id}


# A card payment with no receipt this long after it was opened was abandoned before
# receipts.create (the process died): nothing was charged.
START_GRACE = datetime.timedelta(seconds=60)


def _abandoned(receipt: CardReceipt) -> bool:
    return not receipt.receipt_id and receipt.created_at < timezone.now() - START_GRACE


def _fail_abandoned_card_payments(auction_id: int) -> None:
    open_receipts = CardReceipt.objects.filter(
        payment__auction_id=auction_id, payment__status__in=OPEN_PAYMENT_STATUSES
    ).select_related("payment")
    for receipt in open_receipts:
        if _abandoned(receipt):
            _fail(receipt.payment, receipt, in_every_language(UNANSWERED_CREATE))


def _cancel_open_checkout_payments(auction_id: int) -> None:
    """A card payment always charges the card: an open checkout payment is cancelled."""
    checkout = AuctionPayment.objects.filter(
        auction_id=auction_id,
        provider="payme",
        status__in=OPEN_PAYMENT_STATUSES,
        card_receipt__isnull=True,
    )
    for payment_id in list(checkout.values_list("pk", flat=True)):
        try:
            payment_flow.cancel_payment(
                payment_id, cause=CAUSE, reference={"reason": "card_payment"}
            )
        except payment_flow.PaymentFlowError:
            continue  # moved on meanwhile (completed: the 409 check that follows sees it)


def _fail(payment: AuctionPayment, receipt: CardReceipt, reason: dict) -> None:
    receipt.error = reason
    receipt.save(update_fields=["error", "updated_at"])
    try:
        payment_flow.fail_payment(payment.pk, cause=CAUSE, reference=_reference(receipt))
    except payment_flow.PaymentFlowError:
        logger.warning("payme card payment not failed %s", payment.merchant_trans_id)


def _apply_state(payment, receipt, state, error=None) -> str:
    """Move the payment by its receipt's state: 4 completes, 50 fails, else it waits."""
    if state is not None and state != receipt.state:
        receipt.state = state
        receipt.save(update_fields=["state", "updated_at"])
    if state == ReceiptState.PAID:
        return _complete(payment, receipt)
    if state == ReceiptState.CANCELLED:
        reason = (
            {"code": error.get("code"), "message": error.get("message")}
            if isinstance(error, dict) and error.get("message")
            else in_every_language(CANCELLED_BY_PAYME)
        )
        _fail(payment, receipt, reason)
        return "failed"
    return "processing"


def _complete(payment: AuctionPayment, receipt: CardReceipt) -> str:
    """Complete once; a charge for an auction paid or ended meanwhile is flagged (CONTRACT 1)."""
    auction = Auction.objects.get(pk=payment.auction_id)
    current = AuctionPayment.objects.get(pk=payment.pk)
    if current.status == PaymentStatus.COMPLETED:
        return "completed"  # the Merchant API's PerformTransaction came first
    if not auction.is_paid and auction.end_time <= timezone.now():
        payment_flow.flag_needs_refund(
            payment.pk, cause=CAUSE, note="charged to a card after the auction's end time"
        )
        return "needs_refund"
    try:
        payment_flow.complete_payment(payment.pk, cause=CAUSE, reference=_reference(receipt))
    except payment_flow.PaymentFlowError as error:
        payment_flow.flag_needs_refund(
            payment.pk, cause=CAUSE, note=f"charged to a card but not completed: {error}"
        )
        return "needs_refund"
    return "completed"


def settle_card_payment(payment: AuctionPayment) -> str:
    """receipts.check for a processing card payment; return a short outcome."""
    receipt = CardReceipt.objects.filter(payment_id=payment.pk).first()
    if receipt is None:
        return "not a card payment"
    payment.refresh_from_db()
    if payment.status not in OPEN_PAYMENT_STATUSES:
        return payment.status
    if not receipt.receipt_id:
        if not _abandoned(receipt):
            return "processing (being started)"
        _fail(payment, receipt, in_every_language(UNANSWERED_CREATE))
        return "failed"
    try:
        state = subscribe.check_receipt(receipt.receipt_id)
    except subscribe.SubscribeError as error:
        return f"unreachable ({type(error).__name__})"
    outcome = _apply_state(payment, receipt, state)
    return outcome if outcome != "processing" else f"processing (receipt state {state})"


def refund_card_payment(payment: AuctionPayment) -> str:
    """receipts.cancel for a paid card receipt, then refunded through payment_flow, once.

    No row is locked while Payme is asked: Payme may call our Merchant API's
    CancelTransaction for the same receipt meanwhile, and that locks the payment. The
    refund is tried first in a rolled-back savepoint, so Payme is asked only when our rule
    allows it (CONTRACT 1); the state machine's idempotence makes the move happen once,
    whether this call or Payme's callback makes it.
    """
    receipt = CardReceipt.objects.filter(payment_id=payment.pk).first()
    if receipt is None or not receipt.receipt_id:
        return "not a card payment"
    reference = {**_reference(receipt), "refund": True}
    current = AuctionPayment.objects.get(pk=payment.pk)
    if current.status == PaymentStatus.REFUNDED:
        return "already refunded"
    if current.needs_refund and current.status != PaymentStatus.COMPLETED:
        # A charge that did not pay the auction (CONTRACT 1): the auction stays as it is.
        move = payment_flow.refund_charge
    else:
        move = payment_flow.refund_payment

    class DryRun(Exception):
        pass

    try:
        with transaction.atomic():
            move(payment.pk, cause=CAUSE, reference=reference)
            raise DryRun  # only asking whether the rule allows it: roll back
    except DryRun:
        pass
    except payment_flow.PaymentFlowError as refusal:
        return f"refused: {refusal}"
    try:
        state = subscribe.check_receipt(receipt.receipt_id)
        if state not in RELEASED_STATES:
            state = _state(subscribe.cancel_receipt(receipt.receipt_id))
    except subscribe.SubscribeError as error:
        return f"not confirmed by Payme: {type(error).__name__}"
    CardReceipt.objects.filter(pk=receipt.pk).update(state=state)
    if state not in RELEASED_STATES:
        return f"not confirmed by Payme: receipt state {state}"
    try:
        move(payment.pk, cause=CAUSE, reference=reference)  # a no-op if Payme's call came first
    except payment_flow.PaymentFlowError as refusal:
        # The money went back but the rule refused meanwhile (a bid came in): say so loudly.
        logger.error(
            "payme card receipt cancelled but payment not refunded merchant_trans_id=%s: %s",
            payment.merchant_trans_id,
            refusal,
        )
        return f"cancelled at Payme, but not refunded here: {refusal}"
    return "refunded"


# -- deposits --------------------------------------------------------------------------------


class PaymeDeposits(deposit_flow.DepositBackend):
    """Deposits held on saved cards with receipts.* hold: true (PROVIDERS 2.7 Hold)."""

    name = "payme"

    def card(self, user, card_id):
        if not configured():
            raise deposit_flow.DepositError(_("Deposits cannot be held right now."))
        return SavedCard.objects.get(pk=card_id, user=user, removed_at__isnull=True)

    def cards(self, user) -> list[tuple[int, str]]:
        if not configured():
            return []
        return [(card.pk, f"{card.number} · {card.expire}") for card in user_cards(user)]

    def cards_url(self) -> str:
        from django.urls import reverse

        return reverse("payme-site:my-cards")

    def hold(self, deposit: Deposit, card, set_reference) -> deposit_flow.HoldOutcome:
        receipt = CardReceipt.objects.create(
            account=deposit.account,
            deposit=deposit,
            card=card,
            amount=sum_to_tiyin(deposit.amount),
            hold=True,
        )
        try:
            created = subscribe.create_receipt(
                amount=receipt.amount, account=deposit.account, hold=True
            )
        except subscribe.Refused as refusal:
            return self._failed(receipt, refusal.reason())
        except subscribe.Unanswered:  # nothing was held
            return self._failed(receipt, in_every_language(UNANSWERED_CREATE))
        receipt.receipt_id, receipt.state = created["_id"][:64], _state(created)
        receipt.save(update_fields=["receipt_id", "state", "updated_at"])
        set_reference(receipt.receipt_id)
        try:
            paid = subscribe.pay_receipt(receipt.receipt_id, subscribe.card_token(card), hold=True)
        except subscribe.Refused as refusal:
            return self._failed(receipt, refusal.reason())
        except subscribe.Unanswered:
            return deposit_flow.HoldOutcome(DepositStatus.PROCESSING, receipt.receipt_id)
        state = _state(paid)
        CardReceipt.objects.filter(pk=receipt.pk).update(state=state)
        if state == ReceiptState.HELD:
            return deposit_flow.HoldOutcome(DepositStatus.HELD, receipt.receipt_id)
        if state == ReceiptState.CANCELLED:
            return self._failed(receipt, in_every_language(CANCELLED_BY_PAYME))
        return deposit_flow.HoldOutcome(DepositStatus.PROCESSING, receipt.receipt_id)

    def _failed(self, receipt: CardReceipt, reason: dict) -> deposit_flow.HoldOutcome:
        receipt.error = reason
        receipt.save(update_fields=["error", "updated_at"])
        return deposit_flow.HoldOutcome(DepositStatus.FAILED, receipt.receipt_id, reason)

    def release(self, deposit: Deposit, *, retry: bool) -> None:
        self._finish(deposit, subscribe.cancel_receipt, RELEASED_STATES, retry=retry)

    def capture(self, deposit: Deposit, *, retry: bool) -> None:
        self._finish(deposit, subscribe.confirm_hold, (ReceiptState.PAID,), retry=retry)

    def _finish(self, deposit: Deposit, method, done: tuple, *, retry: bool) -> None:
        receipt_id = deposit.provider_reference
        try:
            # A retry asks first: the earlier attempt may have worked with its answer lost.
            state = subscribe.check_receipt(receipt_id) if retry else None
            if state not in done:
                state = _state(method(receipt_id))
        except subscribe.Refused as refusal:
            raise deposit_flow.NotConfirmed(
                f"Payme refused ({refusal.code}): {failure_text(refusal.reason())}"
            ) from None
        except subscribe.Unanswered as error:
            raise deposit_flow.NotConfirmed(f"Payme did not answer ({error})") from None
        CardReceipt.objects.filter(deposit=deposit, receipt_id=receipt_id).update(state=state)
        if state not in done:
            raise deposit_flow.NotConfirmed(f"receipt state {state}")

    def check(self, deposit: Deposit) -> str | None:
        try:
            state = subscribe.check_receipt(deposit.provider_reference)
        except subscribe.SubscribeError:
            return None
        return {
            ReceiptState.HELD: DepositStatus.HELD,
            ReceiptState.CANCELLED: DepositStatus.FAILED
            if deposit.status == DepositStatus.PROCESSING
            else DepositStatus.RELEASED,
            ReceiptState.CANCEL_QUEUED: DepositStatus.RELEASED,
            ReceiptState.PAID: DepositStatus.CHARGED,
        }.get(state)
