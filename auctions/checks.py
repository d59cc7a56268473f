"""System checks for the auctions app."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def listing_fee_check(app_configs, **kwargs):
    fee = settings.AUCTION_LISTING_FEE
    if fee != fee.quantize(fee.__class__("0.01")):
        return [
            Error(
                "AUCTION_LISTING_FEE has more than two decimals",
                hint="Set a whole number of tiyin, e.g. 50000 or 50000.50.",
                id="auctions.E001",
            )
        ]
    return []
