"""Start, callback and reconciliation of Medogram payments: the only callers of payment_flow.

Gateway HTTP calls happen outside any row lock or transaction; results are then applied
under payment_flow.lock_payment. Log rows are written outside the processing transaction
so a rollback keeps them.
"""

import datetime
import hmac
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from auctions import payment_flow, providers
from auctions.models import FINAL_PAYMENT_STATUSES, AuctionPayment, PaymentStatus
from auctions.providers import ProviderUnavailable, storable_copy

from . import crypto
from .client import GatewayError, GatewayErrorCode, MedogramClient, Verification
from .models import LogKind, MedogramPayment, MedogramPaymentLog

logger = logging.getLogger("payments")

CAUSE = "medogram"
SECRET_NAMES = re.compile(r"api|key|secret|token|password|authorization|sign", re.IGNORECASE)
MASK = "***"
ID_GET = re.compile(r"[1-9][0-9]{0,17}")
GATEWAY_TEXT = re.compile(r"[\x21-\x7e]{1,100}")


# The log


def mask(value, *, secrets: tuple[str, ...] = ()):
    """A copy with secret-named keys and any secret value replaced by ***."""
    secrets = tuple(secret for secret in secrets if secret)
    if isinstance(value, dict):
        return {
            storable_copy(str(key)): MASK
            if SECRET_NAMES.search(str(key))
            else mask(item, secrets=secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask(item, secrets=secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return storable_copy(value)
    if value is None or isinstance(value, bool | int):
        return value
    return storable_copy(str(value))


def write_log(
    kind: str,
    *,
    medogram: MedogramPayment | None = None,
    merchant_trans_id: str = "",
    message: str = "",
    payload: dict | None = None,
) -> MedogramPaymentLog:
    if medogram is not None and not merchant_trans_id:
        merchant_trans_id = medogram.payment.merchant_trans_id
    return MedogramPaymentLog.objects.create(
        payment=medogram,
        merchant_trans_id=merchant_trans_id,
        kind=kind,
        message=mask(message, secrets=(settings.MEDOGRAM_API_KEY,)),
        payload=mask(payload or {}, secrets=(settings.MEDOGRAM_API_KEY,)),
    )


def _error_payload(call: str, error: GatewayError, request: dict | None = None) -> dict:
    payload = {"call": call, "reason": error.reason, "error": error.detail}
    if isinstance(error, GatewayErrorCode):
        payload["code"] = error.code
    if error.answer:
        payload["answer"] = error.answer
    if request is not None:
        payload["request"] = request
    return payload


# Starting a payment


def pay_url(payment: AuctionPayment, request=None) -> str:
    """The gateway's page for the stored id_get (the result page before there is one)."""
    id_get = (
        MedogramPayment.objects.filter(payment=payment).values_list("id_get", flat=True).first()
    )
    if id_get:
        return MedogramClient.from_settings().pay_url(id_get)
    return absolute_url(providers.result_path(payment.merchant_trans_id), request)


def absolute_url(path: str, request=None) -> str:
    """providers.site_url(), or the bare path when there is neither SITE_URL nor a request."""
    return providers.site_url(path, request) or path


def callback_signature(merchant_trans_id: str) -> str:
    """The `sig` our callback URL carries for one payment (HMAC under SECRET_KEY)."""
    return salted_hmac("gateway_medogram.callback", merchant_trans_id).hexdigest()[:32]


def callback_url(request=None, payment: AuctionPayment | None = None) -> str:
    """Our callback URL; for a payment, signed so its callbacks can be told from forgeries."""
    url = absolute_url(reverse("medogram:callback"), request)
    if payment is not None:
        url += "?" + urlencode({"sig": callback_signature(payment.merchant_trans_id)})
    return url


def _is_authentic(fields, merchant_trans_id: str) -> bool:
    received = fields.get("sig", "")
    if not isinstance(received, str) or not received.isascii():
        return False
    expected = callback_signature(merchant_trans_id)
    return hmac.compare_digest(received.encode(), expected.encode())


def start(payment: AuctionPayment, request=None) -> None:
    """Fetch the seller's profile, open the gateway payment and move the payment to processing.

    Raises ProviderUnavailable (the seller API answers 502) after failing the payment when
    the gateway cannot open it.
    """
    medogram, _ = MedogramPayment.objects.get_or_create(
        payment=payment, defaults={"amount": payment.amount}
    )
    medogram.payment = payment
    client = MedogramClient.from_settings()
    fetch_user_data(medogram, client)
    sent = {
        "api": MASK,
        "amount": f"{payment.amount:f}",
        "factorId": payment.merchant_trans_id,
        "redirect": callback_url(request, payment),
    }
    try:
        id_get = client.create(
            amount=payment.amount, factor_id=payment.merchant_trans_id, redirect=sent["redirect"]
        )
    except (GatewayError, ValueError) as error:
        if isinstance(error, ValueError):  # an amount the gateway cannot take
            error = GatewayError(str(error))
        write_log(
            LogKind.ERROR,
            medogram=medogram,
            message=f"create failed: {error.detail}",
            payload=_error_payload("create", error, sent),
        )
        payment_flow.fail_payment(
            payment.pk, cause=CAUSE, reference={"reason": error.reason, "call": "create"}
        )
        logger.warning(
            "medogram start merchant_trans_id=%s outcome=failed reason=%s",
            payment.merchant_trans_id,
            error.reason,
        )
        raise ProviderUnavailable(
            f"the Medogram gateway could not open the payment: {error.detail}"
        ) from None
    write_log(
        LogKind.REQUEST,
        medogram=medogram,
        message="create: gateway opened the payment",
        payload={"call": "create", "request": sent, "answer": {"id_get": id_get}},
    )
    try:
        with payment_flow.atomic():
            locked = payment_flow.lock_payment(pk=payment.pk)
            MedogramPayment.objects.filter(pk=medogram.pk).update(
                id_get=id_get, updated_at=timezone.now()
            )
            payment_flow.mark_processing(locked, cause=CAUSE, reference={"id_get": id_get})
    except IntegrityError:
        # The gateway handed out an id_get another payment holds: we cannot tell their
        # callbacks apart, so this payment is not taken through the gateway.
        reason = f"the gateway returned id_get {id_get}, which another payment holds"
        write_log(
            LogKind.ERROR,
            medogram=medogram,
            message=reason,
            payload={"call": "create", "reason": "duplicate_id_get", "id_get": id_get},
        )
        payment_flow.fail_payment(
            payment.pk, cause=CAUSE, reference={"reason": "duplicate_id_get", "id_get": id_get}
        )
        raise ProviderUnavailable(
            f"the Medogram gateway could not open the payment: {reason}"
        ) from None
    medogram.id_get = id_get
    logger.info(
        "medogram start merchant_trans_id=%s id_get=%s outcome=processing",
        payment.merchant_trans_id,
        id_get,
    )


def fetch_user_data(medogram: MedogramPayment, client: MedogramClient) -> bool:
    """Store the seller's gateway profile encrypted; a failure is logged and never blocks."""
    seller = medogram.payment.auction.seller
    identifier_kind = "phone" if seller.phone else "username"
    identifier = seller.phone or seller.username
    sent = {
        "identifier": MASK,
        "identifier_kind": identifier_kind,
        "source": settings.MEDOGRAM_USER_SOURCE,
    }
    try:
        data = client.user_info(identifier=identifier, source=settings.MEDOGRAM_USER_SOURCE)
    except GatewayError as error:
        write_log(
            LogKind.ERROR,
            medogram=medogram,
            message=f"user info failed: {error.detail}",
            payload=_error_payload("user_info", error, sent),
        )
        return False
    medogram.user_data = crypto.encrypt_json(data)
    medogram.user_data_fetched_at = timezone.now()
    medogram.save(update_fields=["user_data", "user_data_fetched_at", "updated_at"])
    write_log(
        LogKind.USER_FETCH,
        medogram=medogram,
        message="user info fetched and stored encrypted",
        payload={
            "call": "user_info",
            "request": sent,
            "answer": {"status": 1, "fields_returned": sorted(str(name) for name in data)},
            "stored_encrypted": True,
        },
    )
    return True


# The callback and reconciliation


class BadCallback(Exception):
    """A callback whose fields cannot be read; nothing of it reaches the database."""

    def __init__(self, fields: list[str]):
        super().__init__("unreadable fields: " + ", ".join(fields))
        self.fields = fields


@dataclass(frozen=True)
class CallbackFields:
    trans_id: str
    id_get: str
    tracking_code: str

    @classmethod
    def parse(cls, fields) -> "CallbackFields":
        """Read trans_id, id_get and an optional tracking_code; raise BadCallback."""
        refused = []
        values = {}
        for name, pattern, required in (
            ("trans_id", GATEWAY_TEXT, True),
            ("id_get", ID_GET, True),
            ("tracking_code", GATEWAY_TEXT, False),
        ):
            value = fields.get(name, "")
            value = value.strip() if isinstance(value, str) else ""
            if (value or required) and not pattern.fullmatch(value):
                refused.append(name)
            values[name] = value
        if refused:
            raise BadCallback(refused)
        return cls(**values)


@dataclass
class Outcome:
    """What became of a callback or a reconciliation: `outcome` is the payment status or
    `unknown` / `invalid`."""

    outcome: str
    merchant_trans_id: str = ""
    reason: str = ""
    needs_refund: bool = False
    details: dict = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return bool(self.merchant_trans_id)


def claim_verification(medogram: MedogramPayment) -> bool:
    """Mark a verification of this payment as under way; False if another one is.

    One conditional UPDATE (a short row lock in its own statement, nothing held across
    requests, so PgBouncer in transaction mode is no problem). The mark expires on its own
    after the longest a verification can take, in case its worker died.
    """
    now = timezone.now()
    longest = settings.MEDOGRAM_CONNECT_TIMEOUT + 2 * settings.MEDOGRAM_READ_TIMEOUT + 5
    claimed = (
        MedogramPayment.objects.filter(pk=medogram.pk)
        .filter(Q(verifying_until__isnull=True) | Q(verifying_until__lte=now))
        .update(verifying_until=now + datetime.timedelta(seconds=longest))
    )
    return claimed == 1


def release_verification(medogram: MedogramPayment) -> None:
    MedogramPayment.objects.filter(pk=medogram.pk).update(verifying_until=None)


def handle_callback(fields) -> Outcome:
    """Verify a browser's return from the gateway and complete or fail its payment once.

    A callback without our signature (CONTRACT 5) may complete a payment the gateway
    confirms, never fails one, verifies only while no other verification of the payment
    runs and never for a final payment; one naming no payment of ours writes no log row.
    """
    if not settings.MEDOGRAM_API_KEY:
        # CONTRACT 6: not offered, so nothing to verify; the gateway would refuse us anyway.
        logger.warning("medogram callback outcome=invalid reason=not_configured")
        return Outcome("invalid", reason="the Medogram gateway is not configured")
    try:
        incoming = CallbackFields.parse(fields)
    except BadCallback as error:
        logger.warning("medogram callback outcome=invalid refused=%s", ",".join(error.fields))
        return Outcome("invalid", reason=str(error))
    medogram = (
        MedogramPayment.objects.select_related("payment", "payment__auction")
        .filter(id_get=incoming.id_get)
        .first()
    )
    received = {
        "trans_id": incoming.trans_id,
        "id_get": incoming.id_get,
        "tracking_code": incoming.tracking_code,
    }
    if medogram is None:
        logger.warning(
            "medogram callback id_get=%s trans_id=%s outcome=unknown",
            incoming.id_get,
            incoming.trans_id,
        )
        return Outcome("unknown", reason="no payment has this id_get")
    payment = medogram.payment
    # id_get is guessable: only a callback carrying our signature may fail a payment or
    # leave its ids for reconciliation; any callback may complete one the gateway confirms.
    authentic = _is_authentic(fields, payment.merchant_trans_id)
    write_log(
        LogKind.CALLBACK,
        medogram=medogram,
        message="browser returned" if authentic else "browser returned without our signature",
        payload=received | {"authentic": authentic},
    )
    # A final payment answers its outcome without a second verify; except a failed one
    # coming back with another trans_id: that payer may have been charged (needs a refund).
    recheck = (
        authentic
        and payment.status == PaymentStatus.FAILED
        and incoming.trans_id != medogram.trans_id
    )
    claimed = False
    if payment.status in FINAL_PAYMENT_STATUSES and not recheck:
        outcome = Outcome(payment.status, payment.merchant_trans_id, reason="already final")
    elif not (claimed := claim_verification(medogram)) and not authentic:
        # Unsigned and another verification of this payment is under way: a dozen forged
        # callbacks cannot hold a dozen web workers on the gateway.
        outcome = Outcome(
            payment.status, payment.merchant_trans_id, reason="verification in progress"
        )
    else:
        if not medogram.trans_id and authentic:
            # Kept so reconciliation can verify if the gateway cannot be reached now.
            MedogramPayment.objects.filter(pk=medogram.pk, trans_id="").update(
                trans_id=incoming.trans_id, tracking_code=incoming.tracking_code
            )
        try:
            outcome = verify_and_apply(
                medogram,
                trans_id=incoming.trans_id,
                tracking_code=incoming.tracking_code,
                trusted=authentic,
            )
        except Exception as error:
            # Rolled back; the log row is written after the rollback so it stays.
            logger.exception(
                "medogram callback merchant_trans_id=%s outcome=error", payment.merchant_trans_id
            )
            write_log(
                LogKind.ERROR,
                medogram=medogram,
                message=f"unexpected error while applying the callback: {type(error).__name__}",
                payload={"call": "callback", "reason": "internal_error"},
            )
            payment.refresh_from_db(fields=["status"])
            outcome = Outcome(payment.status, payment.merchant_trans_id, reason="internal_error")
        finally:
            if claimed:
                release_verification(medogram)
    logger.info(
        "medogram callback merchant_trans_id=%s id_get=%s trans_id=%s outcome=%s reason=%s",
        outcome.merchant_trans_id,
        incoming.id_get,
        incoming.trans_id,
        outcome.outcome,
        outcome.reason or "-",
    )
    return outcome


def judge(
    verification: Verification, medogram: MedogramPayment, *, trusted: bool = True
) -> tuple[str, str]:
    """(decision, reason): decision is complete, fail or wait (leave processing).

    Only a trusted caller (a signed callback, reconciliation) may fail a payment: an
    unsigned callback's trans_id or answer may be anyone's, so its "fail" is a "wait".
    """
    decision, reason = _judge(verification, medogram)
    if decision == "fail" and not trusted:
        return "wait", f"{reason}; an unsigned callback fails nothing"
    return decision, reason


def _judge(verification: Verification, medogram: MedogramPayment) -> tuple[str, str]:
    if verification.status <= 0:
        return "fail", f"gateway status {verification.status}"
    if verification.status != 1:
        return "wait", f"unexpected gateway status {verification.status}"
    if verification.factor_id != medogram.payment.merchant_trans_id:
        return "fail", "factorId differs from ours"
    if verification.amount is None:
        return "wait", "unreadable amount"
    if verification.amount != medogram.amount:
        return "fail", f"amount {verification.amount} differs from ours {medogram.amount}"
    if verification.id_get is not None and verification.id_get != medogram.id_get:
        return "wait", "id_get differs from ours"
    return "complete", "confirmed"


def verify_and_apply(
    medogram: MedogramPayment, *, trans_id: str, tracking_code: str = "", trusted: bool = True
) -> Outcome:
    """Ask the gateway (no lock held), then lock and apply its answer exactly once."""
    payment = medogram.payment
    merchant_trans_id = payment.merchant_trans_id
    sent = {"api": MASK, "trans_id": trans_id, "id_get": medogram.id_get, "json": "1"}
    try:
        verification = MedogramClient.from_settings().verify(
            trans_id=trans_id, id_get=medogram.id_get
        )
    except GatewayError as error:
        write_log(
            LogKind.ERROR,
            medogram=medogram,
            message=f"verify failed, left processing: {error.detail}",
            payload=_error_payload("verify", error, sent),
        )
        payment.refresh_from_db(fields=["status"])
        return Outcome(payment.status, merchant_trans_id, reason=error.reason)
    decision, reason = judge(verification, medogram, trusted=trusted)
    write_log(
        LogKind.VERIFICATION,
        medogram=medogram,
        message=f"{decision}: {reason}",
        payload={
            "call": "verify",
            "request": sent,
            "answer": verification.answer | {"cardNum": verification.card_number},
            "decision": decision,
            "reason": reason,
        },
    )
    reference = {"id_get": medogram.id_get, "trans_id": trans_id}
    needs_refund = False
    with payment_flow.atomic():
        locked = payment_flow.lock_payment(pk=payment.pk)
        row = MedogramPayment.objects.select_for_update().get(pk=medogram.pk)
        row.verified_status = verification.status
        row.verified_at = timezone.now()
        fields = ["verified_status", "verified_at", "updated_at"]
        if decision in ("complete", "fail"):
            row.trans_id = trans_id  # the attempt the gateway decided on
            row.tracking_code = tracking_code or row.tracking_code
            fields += ["trans_id", "tracking_code"]
        if decision == "complete":
            row.card_number = verification.card_number
            fields.append("card_number")
        row.save(update_fields=fields)
        if locked.payment.status in FINAL_PAYMENT_STATUSES:
            # A concurrent callback got here first; a payer charged for a payment that is
            # no longer open must be refunded by an operator.
            if decision == "complete" and locked.payment.status != PaymentStatus.COMPLETED:
                needs_refund = True
                reason = f"payer charged but the payment is {locked.payment.status}: needs a refund"
                payment_flow.flag_needs_refund(locked, cause=CAUSE, note=f"medogram: {reason}")
        elif decision == "complete":
            try:
                payment_flow.complete_payment(locked, cause=CAUSE, reference=reference)
            except (
                payment_flow.AlreadyPaid,
                payment_flow.AuctionCancelled,
                payment_flow.AuctionEnded,
            ) as error:
                needs_refund = True
                reason = f"payer charged but {error}: needs a refund"
                payment_flow.flag_needs_refund(locked, cause=CAUSE, note=f"medogram: {reason}")
        elif decision == "fail":
            payment_flow.fail_payment(locked, cause=CAUSE, reference=reference | {"reason": reason})
        status = locked.payment.status
    if needs_refund:
        write_log(
            LogKind.ERROR,
            medogram=medogram,
            message=reason,
            payload={"call": "verify", "reason": reason, "needs_refund": True},
        )
    return Outcome(status, merchant_trans_id, reason=reason, needs_refund=needs_refund)


@dataclass
class ReconcileSummary:
    checked: int = 0
    completed: int = 0
    failed: int = 0
    still_processing: int = 0
    skipped_without_trans_id: int = 0
    needs_refund: int = 0


def reconcile() -> ReconcileSummary:
    """Verify every processing Medogram payment whose trans_id we know; apply the answers."""
    summary = ReconcileSummary()
    candidates = MedogramPayment.objects.select_related("payment", "payment__auction").filter(
        payment__provider=CAUSE,
        payment__status=PaymentStatus.PROCESSING,
        id_get__isnull=False,
    )
    for medogram in candidates.order_by("created_at", "id"):
        if not medogram.trans_id:
            summary.skipped_without_trans_id += 1
            logger.warning(
                "medogram reconcile merchant_trans_id=%s id_get=%s outcome=skipped "
                "reason=no_trans_id",
                medogram.payment.merchant_trans_id,
                medogram.id_get,
            )
            continue
        summary.checked += 1
        outcome = verify_and_apply(
            medogram, trans_id=medogram.trans_id, tracking_code=medogram.tracking_code
        )
        if outcome.needs_refund:
            summary.needs_refund += 1
        elif outcome.outcome == PaymentStatus.COMPLETED:
            summary.completed += 1
        elif outcome.outcome == PaymentStatus.FAILED:
            summary.failed += 1
        else:
            summary.still_processing += 1
        logger.info(
            "medogram reconcile merchant_trans_id=%s id_get=%s outcome=%s reason=%s",
            outcome.merchant_trans_id,
            medogram.id_get,
            outcome.outcome,
            outcome.reason or "-",
        )
    return summary


def result_redirect_url(outcome: Outcome) -> str | None:
    """Where the browser goes after a callback; None when there is nowhere to send it."""
    base = settings.MEDOGRAM_REDIRECT_URL
    if not base:
        if not outcome.known:
            return None
        return providers.result_path(outcome.merchant_trans_id)
    parts = urlsplit(base)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [("merchant_trans_id", outcome.merchant_trans_id), ("status", outcome.outcome)]
    return urlunsplit(parts._replace(query=urlencode(query)))
