"""Medogram's hooks for operations (CONTRACT 11): reconcile, refund by hand, admin timeline.

Reconcile verifies a processing payment with the gateway when its trans_id is known
(services.verify_and_apply: complete or fail, exactly once). Without a trans_id the gateway
cannot be asked: the payer never came back, so after MEDOGRAM_PROCESSING_TTL the payment is
cancelled, with the reason in its audit row and in the gateway log.
"""

import logging

from django.conf import settings
from django.utils import timezone

from auctions import payment_flow
from auctions.models import AuctionPayment
from auctions.models import PaymentStatus as Status
from auctions.reconcile import Finding, cause
from auctions.refunds import RefundResult
from auctions.timeline import Entry

from . import services
from .models import LogKind, MedogramPayment, MedogramPaymentLog

logger = logging.getLogger("payments")
CAUSE = cause(services.CAUSE)


def reconcile(payment: AuctionPayment) -> Finding:
    medogram = MedogramPayment.objects.filter(payment=payment).select_related("payment").first()
    flagged = payment.needs_refund and payment.status != Status.REFUNDED
    if flagged:
        said = f"verified status {medogram.verified_status}" if medogram else "no gateway row"
        return Finding(
            False,
            said,
            "refund by hand, then record it: admin action 'Refund through the provider'",
        )
    if payment.status != Status.PROCESSING:
        return Finding(True, "not at the gateway yet" if medogram is None else "nothing to ask")
    if medogram is None or not medogram.trans_id:
        return _expire_without_trans_id(payment, medogram)
    outcome = services.verify_and_apply(
        medogram, trans_id=medogram.trans_id, tracking_code=medogram.tracking_code
    )
    medogram.refresh_from_db(fields=["verified_status"])
    said = f"{outcome.outcome}: {outcome.reason or '-'}"
    answer = {"verified_status": medogram.verified_status, "reason": outcome.reason}
    if outcome.needs_refund:
        return Finding(False, said, "refund by hand, then record it in admin", answer)
    if outcome.outcome in (Status.COMPLETED, Status.FAILED):
        return Finding(True, said, answer=answer)
    return Finding(False, said, "the gateway could not confirm: retry later", answer)


def _expire_without_trans_id(payment: AuctionPayment, medogram: MedogramPayment | None):
    ttl = settings.MEDOGRAM_PROCESSING_TTL
    age = (timezone.now() - payment.created_at).total_seconds()
    if age < ttl:
        return Finding(True, "waiting for the payer to come back from the gateway")
    reason = f"no callback with a trans_id within MEDOGRAM_PROCESSING_TTL ({ttl} s)"
    try:
        payment_flow.cancel_payment(payment.pk, cause=CAUSE, reference={"reason": reason})
    except payment_flow.PaymentFlowError as error:
        return Finding(False, f"could not cancel: {error}", "look at the payment in admin")
    services.write_log(
        LogKind.ERROR,
        medogram=medogram,
        merchant_trans_id=payment.merchant_trans_id,
        message=f"cancelled by reconcile: {reason}",
        payload={"call": "reconcile", "reason": reason},
    )
    logger.info(
        "medogram reconcile merchant_trans_id=%s outcome=cancelled reason=no_trans_id",
        payment.merchant_trans_id,
    )
    return Finding(True, f"cancelled: {reason}")


def refund(payment: AuctionPayment, *, note: str = "") -> RefundResult:
    """The gateway has no refund call: record a refund an operator made by hand."""
    if not note.strip():
        return RefundResult(
            False,
            "Medogram has no refund call: refund the payer by hand, then run this action "
            "again with the bank's reference in the note",
        )
    return RefundResult(True, "refund made by hand, recorded", {"by_hand": True})


def timeline(payment: AuctionPayment) -> list[Entry]:
    """Every exchange with the gateway, from its log table."""
    logs = MedogramPaymentLog.objects.filter(merchant_trans_id=payment.merchant_trans_id)
    return [
        Entry(log.created_at, f"Medogram {log.get_kind_display()}", log.message, log.kind)
        for log in logs
    ]
