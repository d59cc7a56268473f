"""Template helpers of the website: money in the reader's language."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()

# Group separator, decimal mark and unit per language: 50 000 so'm, 50 000 сум, 50,000 UZS.
STYLES = {
    "uz": (" ", ",", {"UZS": "so'm", "IRR": "rial"}),
    "ru": (" ", ",", {"UZS": "сум", "IRR": "риал"}),
    "en": (",", ".", {}),
}


def format_money(amount, currency: str = "UZS", language: str | None = None) -> str:
    """Format an amount for `language` (the active one by default); no decimals when whole."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    language = (language or get_language() or "en").split("-")[0]
    group, mark, units = STYLES.get(language, STYLES["en"])
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    text = text.replace(",", "\x00").replace(".", mark).replace("\x00", group)
    return f"{sign}{text} {units.get(currency, currency)}"


@register.filter
def money(amount, currency="UZS"):
    return format_money(amount, currency or "UZS")
