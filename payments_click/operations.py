"""Click's hooks for operations (CONTRACT 11): reconcile, refund by reversal, admin timeline.

Reconcile reads Click's answer through the Merchant API (merchant_api.py) and settles what
it proves through payment_flow, with cause "reconcile:click" (one audit row, exactly once).
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from auctions import payment_flow
from auctions.models import OPEN_PAYMENT_STATUSES, AuctionPayment
from auctions.models import PaymentStatus as Status
from auctions.reconcile import Finding, cause
from auctions.refunds import RefundResult
from auctions.timeline import Entry

from .merchant_api import PAID, Answer, MerchantAPI, MerchantAPIError
from .models import ClickMerchantCall, ClickTransaction
from .protocol import PROVIDER

logger = logging.getLogger("payments")
CAUSE = cause(PROVIDER)


def status_by_mti(api: MerchantAPI, payment: AuctionPayment) -> Answer:
    """Click's answer for our merchant_trans_id; the day is the payment's, in Tashkent time.

    The day's time zone is unconfirmed (PROVIDERS.md 1.9), so on a miss the day before and
    the day after are asked too. Raises MerchantAPIError when Click cannot be asked.
    """
    day = timezone.localtime(payment.created_at).date()
    answer = None
    for offset in (0, -1, 1):
        answer = api.status_by_mti(
            payment.merchant_trans_id, day + datetime.timedelta(days=offset), payment=payment
        )
        if answer.ok:
            break
    return answer


def _answer(answer: Answer, payment: AuctionPayment) -> dict:
    paydoc_ids = sorted(
        ClickTransaction.objects.filter(payment=payment).values_list("click_paydoc_id", flat=True)
    )
    kept = {key: answer.body[key] for key in answer.body if key != "Auth"}
    if answer.payment_id is not None and paydoc_ids:
        # payment_id is expected to equal the click_paydoc_id of the callbacks (CONTRACT 11).
        kept["payment_id_is_a_paydoc_id"] = answer.payment_id in paydoc_ids
        if answer.payment_id not in paydoc_ids:
            logger.warning(
                "click reconcile merchant_trans_id=%s payment_id=%s differs from paydoc_ids",
                payment.merchant_trans_id,
                answer.payment_id,
            )
    return kept


def reconcile(payment: AuctionPayment) -> Finding:
    """Ask Click about one payment; complete, fail or flag it as the answer proves."""
    try:
        answer = status_by_mti(MerchantAPI.from_settings(), payment)
    except MerchantAPIError as error:
        return Finding(
            settled=False,
            provider_status=f"unreachable: {error.detail}",
            needed="retry; if it lasts, check CLICK_MERCHANT_API_URL and the Click keys",
            answer={"error": error.detail, "http_status": error.http_status},
        )
    body = _answer(answer, payment)
    flagged = payment.needs_refund and payment.status != Status.REFUNDED
    if not answer.ok:
        said = f"no record (error_code {answer.error_code}: {answer.error_note})"
        if payment.status == Status.PENDING and not flagged:
            return Finding(True, said, answer=body)  # a seller who never paid
        return Finding(
            False, said, needed="look the payment up in Click's merchant cabinet", answer=body
        )
    status = answer.payment_status
    said = f"payment_status {status}"
    reference = {"payment_id": answer.payment_id, "payment_status": status}
    if status is None:
        return Finding(False, "no payment_status in Click's answer", "ask Click", body)
    if status == PAID:
        said = f"paid (payment_status {status}, payment_id {answer.payment_id})"
        if payment.status in OPEN_PAYMENT_STATUSES and not flagged:
            try:
                payment_flow.complete_payment(payment.pk, cause=CAUSE, reference=reference)
                return Finding(True, said, answer=body)
            except payment_flow.PaymentFlowError as error:
                # Paid by another payment, cancelled, ended unpaid (CONTRACT 1), or closed
                # meanwhile: Click took the money all the same, so it goes back.
                payment_flow.flag_needs_refund(
                    payment.pk, cause=CAUSE, note=f"click reconcile: paid but {error}"
                )
                flagged = True
        if payment.status in (Status.FAILED, Status.CANCELLED) and not flagged:
            # Click took the money for a payment we closed: it goes back.
            payment_flow.flag_needs_refund(
                payment.pk, cause=CAUSE, note=f"click reconcile: paid but {payment.status}"
            )
            flagged = True
        if flagged:
            return Finding(
                False, said, "refund it: admin action 'Refund through the provider'", body
            )
        if payment.status == Status.COMPLETED:
            return Finding(True, said, answer=body)
        return Finding(
            False, said, "Click says paid but we refunded it: check Click's cabinet", body
        )
    if status < 0:
        said = f"error at Click (payment_status {status}: {answer.error_note})"
        if payment.status in OPEN_PAYMENT_STATUSES and not flagged:
            payment_flow.fail_payment(payment.pk, cause=CAUSE, reference=reference)
            return Finding(True, said, answer=body)
        if payment.status == Status.COMPLETED or flagged:
            return Finding(False, said, "Click reports no money taken: check Click's cabinet", body)
        return Finding(True, said, answer=body)
    # 0 created or 1 processing at Click.
    said = f"in progress at Click (payment_status {status})"
    if payment.status == Status.PENDING and not flagged:
        return Finding(True, said, answer=body)
    if payment.status == Status.PROCESSING and not flagged:
        age = timezone.now() - payment.created_at
        if age.total_seconds() < settings.RECONCILE_GRACE_SECONDS:
            return Finding(True, said, answer=body)
        return Finding(False, said, "stuck in progress: ask Click's support", body)
    return Finding(False, said, "our status disagrees: check Click's cabinet", body)


def refund(payment: AuctionPayment, *, note: str = "") -> RefundResult:
    """Reverse the whole payment at Click (payment/reversal); only error_code 0 refunds it."""
    api = MerchantAPI.from_settings()
    try:
        found = status_by_mti(api, payment)
        if not found.ok or found.payment_id is None:
            return RefundResult(
                False,
                f"Click has no record of this payment (error_code {found.error_code}: "
                f"{found.error_note}); nothing reversed",
            )
        if found.payment_status != PAID:
            return RefundResult(
                False,
                f"Click says payment_status {found.payment_status}, not paid: nothing to "
                "reverse; check Click's merchant cabinet",
            )
        answer = api.reversal(found.payment_id, payment=payment)
    except MerchantAPIError as error:
        return RefundResult(False, f"Click could not be asked: {error.detail}; nothing changed")
    if not answer.ok:
        return RefundResult(
            False,
            f"Click refused the reversal (error_code {answer.error_code}: {answer.error_note})",
        )
    return RefundResult(
        True,
        f"reversed at Click (payment_id {found.payment_id})",
        {"provider": PROVIDER, "payment_id": found.payment_id, "call": "payment/reversal"},
    )


def timeline(payment: AuctionPayment) -> list[Entry]:
    """Click's callbacks (one row per attempt) and our Merchant API calls."""
    entries = []
    for row in ClickTransaction.objects.filter(payment=payment):
        entries.append(
            Entry(
                row.created_at,
                "Click Prepare",
                f"click_trans_id {row.click_trans_id}, paydoc {row.click_paydoc_id}",
                "prepared",
            )
        )
        if row.action == 1:
            entries.append(
                Entry(
                    row.completed_at or row.updated_at,
                    "Click Complete",
                    f"click_trans_id {row.click_trans_id}",
                    f"{row.status} (error {row.error} {row.error_note})".strip(),
                )
            )
    for call in ClickMerchantCall.objects.filter(payment=payment):
        outcome = (
            f"HTTP {call.http_status}, error_code {call.error_code}"
            if call.error_code is not None
            else f"failed: {call.error_note}"
        )
        if call.answer.get("payment_status") is not None:
            outcome += f", payment_status {call.answer['payment_status']}"
        entries.append(
            Entry(call.created_at, f"Click Merchant API {call.call}", call.path, outcome)
        )
    return entries
