"""The provider registry: each provider app declares itself here in its AppConfig.ready().

`auctions` never imports a provider app; it only looks providers up by name.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings


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
    # card_payment(auction_id, user, card_id, request) -> (payment, answer dict): the fee
    # charged at once to a saved card (CONTRACT 9); None: the provider takes no saved card.
    card_payment: Callable[..., tuple] | None = None
    # reusable(payment) -> whether an open payment may be answered again when the seller
    # starts a payment (a card payment in flight may not: it has no page to pay on).
    reusable: Callable[..., bool] | None = None


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
