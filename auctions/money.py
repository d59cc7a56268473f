"""Every amount parsing and unit conversion: sum <-> tiyin, wire text -> Decimal."""

import re
from decimal import Decimal

# Plain digits with at most two decimals: no sign, exponent, NaN or Infinity.
SUM_PATTERN = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
CENT = Decimal("0.01")


def parse_sum(text: object) -> Decimal:
    """Read a wire amount in sum ("50000" or "50000.00"); raise ValueError on anything else."""
    if not isinstance(text, str) or not SUM_PATTERN.fullmatch(text):
        raise ValueError("amount must be plain digits with at most two decimals")
    return Decimal(text)


def tiyin_to_sum(tiyin: int) -> Decimal:
    return (Decimal(tiyin) / 100).quantize(CENT)


def sum_to_tiyin(amount: Decimal) -> int:
    tiyin = amount * 100
    if tiyin != tiyin.to_integral_value():
        raise ValueError(f"{amount} sum is not a whole number of tiyin")
    return int(tiyin)


def format_sum(amount: Decimal) -> str:
    """The N.NN form Click's payment page takes."""
    return str(amount.quantize(CENT))


def display_sum(amount: Decimal, language: str | None) -> str:
    """A sum as people read it: `50 000 so'm`, `50 000 сум`, `50,000 UZS`."""
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    language = (language or "en").split("-")[0]
    if language == "en":
        return f"{text} UZS"
    text = text.replace(",", "\N{NO-BREAK SPACE}")
    if not whole:
        text = text[:-3] + "," + text[-2:]
    return f"{text} so'm" if language == "uz" else f"{text} сум"
