"""The provider registry: each provider app declares itself here in its AppConfig.ready().

`auctions` never imports a provider app; it only looks providers up by name.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

# What every provider app shares, so that learning one teaches the others.


def storable(text: str) -> bool:
    """Whether the database can keep `text` as it is: no NUL and no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_copy(text: str) -> str:
    """`text` made storable for a log row: a NUL or a lone surrogate written as an escape."""
    if storable(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def result_path(merchant_trans_id: str) -> str:
    """The site's payment result page, where a provider sends the payer's browser back."""
    return reverse("site:payment-result", args=[merchant_trans_id])


def site_url(path: str, request=None) -> str | None:
    """Our `path` as an absolute URL, from SITE_URL, else from the request; None without both."""
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path) if request is not None else None


def result_url(merchant_trans_id: str, request=None) -> str | None:
    """The result page as an absolute URL (site_url), for a provider's return link."""
    return site_url(result_path(merchant_trans_id), request)


logger = logging.getLogger("payments")


class ProviderUnavailable(Exception):
    """The provider could not start the payment (e.g. its gateway is down): answer 502."""


def listing_fee() -> Decimal:
    return settings.AUCTION_LISTING_FEE


@dataclass(frozen=True)
class PaymentProvider:
    name: str
    currency: str
    # pay_url(payment, request) -> the page the seller's browser goes to.
    pay_url: Callable[..., str]
    # amount() -> the fee this provider charges, in its currency.
    amount: Callable[[], Decimal] = listing_fee
    # start(payment, request): called once for a newly created payment, after commit of
    # the row; may move it through payment_flow and raise ProviderUnavailable.
    start: Callable[..., None] | None = None
    label: str = ""
    # reconcile(payment) -> auctions.reconcile.Finding: ask the provider about one payment
    # that is open or flagged, settle what its answer proves through payment_flow (CONTRACT 11).
    reconcile: Callable[..., object] | None = None
    # refund(payment, note=str) -> auctions.refunds.RefundResult: give the money back through
    # the provider; called with the payment row locked; auctions.refunds then moves the
    # payment to refunded (a hook that already did so is no harm: repeats are no-ops).
    refund: Callable[..., object] | None = None
    # timeline(payment) -> [auctions.timeline.Entry]: the provider's rows and calls for admin.
    timeline: Callable[..., list] | None = None
    # card_payment(auction_id, user, card_id, request) -> (payment, answer dict): the fee
    # charged at once to a saved card (CONTRACT 9); None: the provider takes no saved card.
    card_payment: Callable[..., tuple] | None = None
    # reusable(payment) -> whether an open payment may be answered again when the seller
    # starts a payment (a card payment in flight may not: it has no page to pay on).
    reusable: Callable[..., bool] | None = None
    # expire(auction_id=…): close the provider's open attempts for the auction that can no
    # longer be paid (e.g. Payme's 12-hour timeout) before a seller starts a payment.
    expire: Callable[..., int] | None = None
    # The settings without which the provider is not offered (CONTRACT 6); a setting is
    # missing when unset or empty.
    required_settings: tuple[str, ...] = ()

    def missing_settings(self) -> list[str]:
        return [
            name
            for name in self.required_settings
            if not str(getattr(settings, name, "") or "").strip()
        ]

    @property
    def configured(self) -> bool:
        return not self.missing_settings()


_registry: dict[str, PaymentProvider] = {}


def register(provider: PaymentProvider) -> None:
    _registry[provider.name] = provider


def get(name: object) -> PaymentProvider | None:
    return _registry.get(name) if isinstance(name, str) else None


def names() -> list[str]:
    return sorted(_registry)


def all_providers() -> list[PaymentProvider]:
    return [_registry[name] for name in names()]


# Maintenance steps a provider adds to the lifecycle job (e.g. retrying card removals):
# name -> callable() returning a count of what it did.
_jobs: dict[str, Callable[[], int]] = {}


def register_job(name: str, job: Callable[[], int]) -> None:
    _jobs[name] = job


def jobs() -> dict[str, Callable[[], int]]:
    return dict(_jobs)


def offered(name: object) -> PaymentProvider | None:
    """The provider a seller may pay with: registered and with all its settings."""
    provider = get(name)
    return provider if provider is not None and provider.configured else None


def offered_providers() -> list[PaymentProvider]:
    return [provider for provider in all_providers() if provider.configured]


_reported = threading.Event()


def report_missing_settings() -> None:
    """Log one line naming each missing provider setting, once per process (start-up)."""
    if _reported.is_set():
        return
    _reported.set()
    missing = [
        f"{name} ({provider.name})"
        for provider in all_providers()
        for name in provider.missing_settings()
    ]
    if missing:
        logger.warning("payment providers not offered, missing settings: %s", ", ".join(missing))
