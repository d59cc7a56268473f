"""Saved cards and deposits in Chromium (CONTRACT 9): add a card at the Subscribe API fake,
pay the fee with it, hold a deposit, bid, get outbid, the auction ends, the loser's deposit
is released."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from auctions.models import Auction, Deposit
from auctions.tests.factories import AuctionFactory, UserFactory
from payments_payme.sandbox_subscribe import SMS_CODE, SubscribeAPI
from payments_payme.tests.subscribe_server import SubscribeServer

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MERCHANT = "000000000000000000000001"
KEY = "TEST_KEY_123"


@pytest.fixture
def subscribe_api(settings, live_server):
    settings.PAYME_MERCHANT_ID = MERCHANT
    settings.PAYME_KEY = KEY
    settings.PAYME_ACCOUNT_FIELD = "order_id"
    settings.PAYME_FISCAL_IKPU = ""
    # The fake calls our Merchant API during receipts.pay, as Payme does.
    api = SubscribeAPI(MERCHANT, lambda: KEY, live_server.url)
    server = SubscribeServer(api)
    settings.PAYME_SUBSCRIBE_URL = server.url
    yield api
    server.stop()


def add_card(page, base: str, number: str = "8600 0691 9540 6311") -> None:
    page.goto(f"{base}/my/cards/")
    page.wait_for_selector("#card-form")  # shown by the script; hidden without it
    assert page.locator("#card-no-js").is_hidden()
    page.fill("#card-number", number)
    page.fill("#card-expire", "03/99")
    page.click("#card-form button[type=submit]")
    page.wait_for_selector("#code-form:not([hidden])")
    page.fill("#card-code", SMS_CODE)
    page.click("#code-form button[type=submit]")
    page.locator("#saved-cards").filter(has_text=number[:4] + number[5:7]).wait_for()
    page.wait_for_load_state("load")  # the script's reload is over before the next goto


def hold_and_bid(page, base: str, auction: Auction, amount: str) -> None:
    page.goto(f"{base}/auctions/{auction.pk}/")
    page.click("#deposit-hold button[type=submit]")
    page.wait_for_selector("text=Your deposit is held: you may bid.")
    page.wait_for_selector("#deposit-status[data-status=held]")
    page.fill("#id_amount", amount)
    page.click("main form.form button[type=submit]")
    page.click("text=Yes, place my bid")
    page.wait_for_selector("text=is placed.")


def test_cards_fee_deposits_and_release(live_server, new_page, screenshot, subscribe_api):
    base = live_server.url
    seller = UserFactory(username="card_seller")
    UserFactory(username="first_bidder")
    UserFactory(username="second_bidder")
    auction = AuctionFactory(
        seller=seller,
        listing__owner=seller,
        listing__title="Flat with a deposit",
        start_time=timezone.now() - datetime.timedelta(seconds=30),
        end_time=timezone.now() + datetime.timedelta(days=2),
        starting_price=Decimal("500000000"),
        min_increment=Decimal("1000000"),
        deposit=Decimal("5000000"),
    )

    # The seller adds a card at Payme (the fake) and pays the fee with it in one click.
    page = new_page()
    sign_in(page, base, "card_seller")
    add_card(page, base)
    screenshot(page, "my_cards")
    page.goto(f"{base}/my/auctions/{auction.pk}/pay/")
    page.click("#pay-with-card button[type=submit]")
    page.wait_for_selector("[data-status=completed]")
    auction.refresh_from_db()
    assert auction.is_paid

    # Two bidders hold the deposit, then bid; the first is outbid.
    first, second = new_page(), new_page()
    sign_in(first, base, "first_bidder")
    add_card(first, base)
    first.goto(f"{base}/auctions/{auction.pk}/")
    assert first.locator("#deposit-rule").is_visible()
    assert first.locator("#deposit-hold").is_visible()
    screenshot(first, "deposit_asked")
    hold_and_bid(first, base, auction, "500000000")
    sign_in(second, base, "second_bidder")
    add_card(second, base, "8600 4954 7331 6478")
    hold_and_bid(second, base, auction, "501000000")

    # The auction ends; the job releases the loser's deposit and keeps the winner's.
    Auction.objects.filter(pk=auction.pk).update(
        end_time=timezone.now() - datetime.timedelta(seconds=1)
    )
    call_command("advance_auctions")
    first.goto(f"{base}/auctions/{auction.pk}/")
    first.wait_for_selector("#deposit-status[data-status=released]")
    screenshot(first, "deposit_released")
    deposits = dict(Deposit.objects.values_list("bidder__username", "status"))
    assert deposits == {"first_bidder": "released", "second_bidder": "held"}
    loser = Deposit.objects.get(bidder__username="first_bidder")
    assert subscribe_api.receipts[loser.provider_reference].state == 50


def test_without_javascript_the_card_page_says_so(live_server, browser, subscribe_api):
    UserFactory(username="no_js_user")
    context = browser.new_context(java_script_enabled=False, locale="en")
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "no_js_user")
        page.goto(f"{live_server.url}/my/cards/")

        assert page.locator("#card-no-js").is_visible()
        assert "needs JavaScript" in page.locator("#card-no-js").inner_text()
        assert page.locator("#card-form").is_hidden()
    finally:
        context.close()
