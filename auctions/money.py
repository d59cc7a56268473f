"""Every amount parsing and unit conversion: sum <-> tiyin, wire text -> Decimal."""

import re
from decimal import Decimal, InvalidOperation

# Plain digits with at most two decimals: no sign, exponent, NaN or Infinity.
SUM_PATTERN = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
CENT = Decimal("0.01")


def parse_sum(text: object) -> Decimal:
    """Read a wire amount in sum ("50000" or "50000.00"); raise ValueError on anything else."""
    if not isinstance(text, str) or not SUM_PATTERN.fullmatch(text):
        raise ValueError("amount must be plain digits with at most two decimals")
    return Decimal(text)


def sum_to_tiyin(amount: Decimal) -> int:
    tiyin = amount * 100
    if tiyin != tiyin.to_integral_value():
        raise ValueError(f"{amount} sum is not a whole number of tiyin")
    return int(tiyin)


def format_sum(amount: Decimal) -> str:
    """The N.NN form Click's payment page takes."""
    return str(amount.quantize(CENT))


# Group separator, decimal mark and unit per language: 50 000 so'm, 50 000 сум, 50,000 UZS.
STYLES = {
    "uz": (" ", ",", {"UZS": "so'm", "IRR": "rial"}),
    "ru": (" ", ",", {"UZS": "сум", "IRR": "риал"}),
    "en": (",", ".", {}),
}


def format_money(amount, currency: str = "UZS", language: str | None = None) -> str:
    """An amount as people read it in `language` (the active one by default)."""
    from django.utils.translation import get_language

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


def localized_reason(reason) -> str:
    """A provider's message ({"ru", "uz", "en"} or text) in the active language."""
    from django.utils.translation import get_language

    if isinstance(reason, str):
        return reason
    if not isinstance(reason, dict) or not reason:
        return ""
    if "message" in reason:  # a stored refusal: {"code": …, "message": …}
        return localized_reason(reason["message"])
    language = (get_language() or "en").split("-")[0]
    for key in (language, "en", "ru", "uz", "text"):
        if isinstance(reason.get(key), str) and reason[key]:
            return reason[key]
    return next((value for value in reason.values() if isinstance(value, str)), "")
