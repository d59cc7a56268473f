"""The website's words for statuses, providers and times: one set across every page.

Model labels stay as they are (the API and admin read them); the site speaks these.
"""

import datetime

from django.utils.translation import ngettext, pgettext, pgettext_lazy

AUCTION_STATUS = {
    "pending_payment": pgettext_lazy("auction status", "Awaiting payment"),
    "scheduled": pgettext_lazy("auction status", "Upcoming"),
    "active": pgettext_lazy("auction status", "Live"),
    "ended": pgettext_lazy("auction status", "Ended"),
    "cancelled": pgettext_lazy("auction status", "Cancelled"),
}

# The listing fee's status: Russian "плата" is feminine ("оплачена", "отменена").
PAYMENT_STATUS = {
    "pending": pgettext_lazy("listing fee status", "Awaiting payment"),
    "processing": pgettext_lazy("listing fee status", "Being checked"),
    "completed": pgettext_lazy("listing fee status", "Paid"),
    "failed": pgettext_lazy("listing fee status", "Failed"),
    "cancelled": pgettext_lazy("listing fee status", "Cancelled"),
    "refunded": pgettext_lazy("listing fee status", "Refunded"),
}

# Providers are names: never translated, always written as the provider writes itself.
PROVIDER_NAMES = {"click": "Click", "payme": "Payme", "medogram": "Medogram"}


def auction_status(status: str) -> str:
    return str(AUCTION_STATUS.get(status, status))


def payment_status(status: str) -> str:
    return str(PAYMENT_STATUS.get(status, status))


def provider_name(name: str) -> str:
    from auctions import providers

    provider = providers.get(name)
    if provider is not None and provider.label:
        return provider.label
    return PROVIDER_NAMES.get(name, str(name).capitalize())


def bids(count: int) -> str:
    return ngettext("%(count)s bid", "%(count)s bids", count) % {"count": count}


def countdown_units() -> dict[str, str]:
    """The countdown's day unit, also handed to the script: "2 kun 04:05:06"."""
    return {"day": pgettext("countdown, days", "d")}


def countdown(delta: datetime.timedelta) -> str:
    """Time left as the script shows it: "2 d 04:05:06", "4:05:06", "5:06"."""
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}" if days or hours else f"{minutes}:{seconds:02d}"
    if days:
        return f"{days} {countdown_units()['day']} {clock}"
    return clock


def rooms(count: int) -> str:
    return ngettext("%(count)s room", "%(count)s rooms", count) % {"count": count}
