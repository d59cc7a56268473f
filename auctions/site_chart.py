"""The auction page's bid-history chart: an SVG drawn on the server, readable without JS."""

from django.utils import formats, timezone
from django.utils.translation import gettext

from .models import Auction, Bid
from .money import format_money
from .site_words import bids

WIDTH, HEIGHT = 300, 100
MAX_POINTS = 200


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def bid_chart(auction: Auction, now=None) -> dict | None:
    """The price over time as a step line from the start to now; None without bids."""
    rows = list(
        Bid.objects.filter(auction=auction, voided_at__isnull=True)
        .order_by("-created_at", "-id")
        .values_list("created_at", "amount")[:MAX_POINTS]
    )
    if not rows:
        return None
    rows.reverse()
    now = now or timezone.now()
    start = min(auction.start_time, rows[0][0])
    end = max(min(now, auction.end_time), rows[-1][0])
    span = max((end - start).total_seconds(), 1)
    low = min(auction.starting_price, rows[0][1])
    high = max(amount for _moment_, amount in rows)
    spread = high - low or high or 1

    def x(moment) -> float:
        return round((moment - start).total_seconds() / span * WIDTH, 1)

    def y(amount) -> float:
        # A 6 % margin top and bottom keeps the line off the frame.
        return round(HEIGHT - 6 - float((amount - low) / spread) * (HEIGHT - 12), 1)

    points = [(0.0, y(low))]
    for moment, amount in rows:
        points.append((x(moment), points[-1][1]))
        points.append((x(moment), y(amount)))
    points.append((float(WIDTH), points[-1][1]))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": " ".join(f"{px},{py}" for px, py in points),
        "high": format_money(high),
        "low": format_money(low),
        "start": _moment(start),
        "end": _moment(end),
        "summary": gettext("From %(low)s to %(high)s in %(count)s")
        % {
            "low": format_money(low),
            "high": format_money(high),
            "count": bids(len(rows)),
        },
    }
