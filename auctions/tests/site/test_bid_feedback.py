"""A buyer's feedback on the auction page: refusals before confirming, standing, chart."""

import html
import re
from decimal import Decimal

import pytest
from django.test import Client

from auctions.models import Bid
from auctions.tests.factories import ActiveAuctionFactory, BidFactory, UserFactory

from .test_bids import key_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def live():
    return ActiveAuctionFactory(
        starting_price=Decimal("650000000"), min_increment=Decimal("5000000")
    )


def ask(client, auction, amount, key):
    return client.post(f"/auctions/{auction.pk}/bid/", {"amount": amount, "idempotency_key": key})


def test_a_too_low_bid_is_refused_before_the_confirmation_in_the_readers_money(bidder_client, live):
    BidFactory(auction=live, amount=Decimal("650000000"))
    live.current_price, live.bid_count = Decimal("650000000"), 1
    live.save()
    bidder_client.post("/i18n/setlang/", {"language": "uz", "next": "/"})
    key = key_of(bidder_client.get(f"/auctions/{live.pk}/"))

    page = ask(bidder_client, live, "651000000", key)

    text = html.unescape(page.content.decode())
    assert page.status_code == 400
    assert "Taklif kamida 655 000 000 so'm bo'lishi kerak." in text
    assert 'id="confirm"' not in text
    assert f'value="{key}"' in text  # the same form, to fix the amount in
    assert Bid.objects.filter(auction=live).count() == 1


def test_a_bid_with_too_many_zeros_is_refused_before_the_confirmation(bidder_client, live):
    key = key_of(bidder_client.get(f"/auctions/{live.pk}/"))

    page = ask(bidder_client, live, "65000000000", key)

    text = page.content.decode()
    assert page.status_code == 400
    assert "The bid may be at most 6,500,000,000 UZS; check the number of zeros." in text
    assert 'id="confirm"' not in text


def test_an_allowed_amount_goes_on_to_the_confirmation_in_the_panel(bidder_client, live):
    key = key_of(bidder_client.get(f"/auctions/{live.pk}/"))

    page = ask(bidder_client, live, "650000000", key)

    text = page.content.decode()
    assert page.status_code == 200
    panel = text[text.index('id="bid-panel"') : text.index("</aside>")]
    assert 'id="confirm"' in panel
    assert f'action="/auctions/{live.pk}/bid/#bid-panel"' in panel  # scrolled into view


def test_the_live_answer_tells_a_bidder_that_they_lead_then_that_they_were_outbid(live):
    first, second = UserFactory(), UserFactory()
    readers = {user: Client() for user in (first, second)}
    for user, client in readers.items():
        client.force_login(user)

    for user, amount in ((first, "650000000"), (second, "655000000")):
        client = readers[user]
        key = key_of(client.get(f"/auctions/{live.pk}/"))
        client.post(
            f"/auctions/{live.pk}/bid/", {"amount": amount, "idempotency_key": key, "confirmed": 1}
        )
        if user is first:
            leading = client.get(f"/auctions/{live.pk}/live/").json()
    outbid = readers[first].get(f"/auctions/{live.pk}/live/").json()
    anonymous = Client().get(f"/auctions/{live.pk}/live/").json()

    assert (leading["standing"], leading["standing_display"]) == (
        "leading",
        "You lead with 650,000,000 UZS.",
    )
    assert (outbid["standing"], outbid["standing_display"]) == (
        "outbid",
        "You have been outbid: the price is now 655,000,000 UZS.",
    )
    assert anonymous["standing"] == ""
    assert outbid["bid_count_display"] == "2 bids"


def test_the_placed_banner_is_marked_for_the_live_update_to_replace(bidder_client, live):
    key = key_of(bidder_client.get(f"/auctions/{live.pk}/"))
    bidder_client.post(
        f"/auctions/{live.pk}/bid/", {"amount": "650000000", "idempotency_key": key, "confirmed": 1}
    )

    text = bidder_client.get(f"/auctions/{live.pk}/").content.decode()

    assert re.search(r'class="message bid-placed success"[^>]*>Your bid of 650,000,000 UZS', text)


def test_the_bid_history_chart_is_an_svg_drawn_by_the_server(client, live):
    for amount in ("650000000", "660000000", "700000000"):
        BidFactory(auction=live, amount=Decimal(amount))
    live.current_price, live.bid_count = Decimal("700000000"), 3
    live.save()

    text = client.get(f"/auctions/{live.pk}/").content.decode()
    chart = client.get(f"/auctions/{live.pk}/live/").json()["chart"]

    figure = text[text.index('id="bid-chart"') : text.index("</figure>")]
    assert "hidden" not in figure.split(">")[0]
    assert "<svg" in figure and "<script" not in figure
    points = re.search(r'points="([^"]+)"', figure)[1].split()
    assert len(points) == 2 + 2 * 3  # a step line: start, two points per bid, now
    heights = [float(point.split(",")[1]) for point in points]
    assert heights[0] == 94.0 and min(heights) == 6.0  # the lowest at the bottom, the top up
    assert (chart["low"], chart["high"]) == ("650,000,000 UZS", "700,000,000 UZS")
    assert "From 650,000,000 UZS to 700,000,000 UZS in 3 bids" in figure


def test_an_auction_without_bids_hides_the_chart(client, live):
    text = client.get(f"/auctions/{live.pk}/").content.decode()

    assert '<figure class="chart" id="bid-chart" hidden>' in text
    assert client.get(f"/auctions/{live.pk}/live/").json()["chart"] is None
