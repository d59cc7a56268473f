"""A seller pays the listing fee in a real browser through each local provider sandbox.

The site (pytest-django's live server) and the three sandboxes (real HTTP servers on free
loopback ports) talk only over HTTP, as in `make run`: the browser goes from the site's pay
page to the sandbox's page, presses Pay or Decline, the sandbox calls the site's callbacks
and sends the browser back to the payment's page.
"""

import datetime
import re

import pytest
import requests
from django.utils import timezone

from auctions.models import AuctionPayment, AuctionStatus, PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.factories import AuctionFactory, UserFactory
from gateway_medogram.sandbox import start_sandbox as start_medogram_sandbox
from payments_click.tests.sandbox_helpers import started_click_sandbox
from payments_payme.tests.sandbox_helpers import started_payme_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-42"
MEDOGRAM_KEY = "browser-medogram-key"


@pytest.fixture
def sandboxes(live_server, settings):
    """The three sandboxes, and the site pointed at them with matching credentials."""
    settings.SITE_URL = ""  # return URLs come from the request: the live server's address
    settings.CLICK_SERVICE_ID, settings.CLICK_MERCHANT_ID = "12345", "777"
    settings.CLICK_SECRET_KEY, settings.CLICK_MERCHANT_USER_ID = "browser-click-secret", ""
    settings.PAYME_MERCHANT_ID, settings.PAYME_KEY = "5e730e8e0b852a417aa49ceb", "browser-key"
    settings.PAYME_ACCOUNT_FIELD, settings.PAYME_ALLOWED_IPS = "order_id", []
    settings.PAYME_FISCAL_IKPU = ""
    click, stop_click = started_click_sandbox(site=live_server.url)
    payme, stop_payme = started_payme_sandbox(site=live_server.url)
    medogram, medogram_thread, medogram_url = start_medogram_sandbox(api_key=MEDOGRAM_KEY)
    settings.CLICK_PAY_URL = f"{click.base_url}/services/pay"
    settings.PAYME_CHECKOUT_URL = payme.base_url
    settings.MEDOGRAM_URL, settings.MEDOGRAM_API_KEY = medogram_url, MEDOGRAM_KEY
    settings.MEDOGRAM_REDIRECT_URL = ""
    yield {"click": click, "payme": payme, "medogram": medogram}
    stop_click()
    stop_payme()
    medogram.shutdown()
    medogram.server_close()
    medogram_thread.join(timeout=5)


@pytest.fixture
def seller_auction(db):
    seller = UserFactory(username="journey_seller", phone="+998901112233")
    return AuctionFactory(seller=seller, listing__owner=seller, listing__title="Flat by the park")


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def choose(page, base: str, auction, provider: str) -> None:
    """From the site's pay page to the provider's page."""
    page.goto(f"{base}/my/auctions/{auction.pk}/pay/")
    page.check(f"input[name=provider][value={provider}]")
    page.click("main button[type=submit]")


def the_payment(auction) -> AuctionPayment:
    return AuctionPayment.objects.select_related("auction").get(auction=auction)


def result_page_shows(page, base: str, payment: AuctionPayment, status: str) -> None:
    page.wait_for_url(f"{base}/payments/{payment.merchant_trans_id}/")
    page.wait_for_selector(f"[data-status={status}]", timeout=15000)


def paid_once(payment: AuctionPayment) -> bool:
    return PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).count() == 1


def test_a_seller_pays_with_click(live_server, new_page, screenshot, sandboxes, seller_auction):
    base, click = live_server.url, sandboxes["click"]
    page = new_page()
    sign_in(page, base, "journey_seller")

    choose(page, base, seller_auction, "click")
    page.wait_for_url(re.compile(re.escape(f"{click.base_url}/services/pay?") + ".*"))
    payment = the_payment(seller_auction)
    assert page.inner_text("#order") == payment.merchant_trans_id
    assert page.inner_text("#amount") == "50,000 UZS"
    screenshot(page, "click_sandbox_page")
    page.click("button[name=action][value=pay]")

    result_page_shows(page, base, payment, "completed")
    assert page.locator("[data-auction-status]").get_attribute("data-auction-status") == (
        "scheduled"
    )
    screenshot(page, "paid_with_click_sandbox")
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert (payment.auction.is_paid, payment.auction.status) == (True, AuctionStatus.SCHEDULED)
    assert paid_once(payment)


def test_a_seller_pays_with_payme_and_the_auction_goes_live(
    live_server, new_page, screenshot, sandboxes
):
    seller = UserFactory(username="live_seller")
    started = timezone.now() - datetime.timedelta(seconds=30)
    auction = AuctionFactory(
        seller=seller,
        listing__owner=seller,
        start_time=started,
        end_time=started + datetime.timedelta(days=1),
    )
    base, payme = live_server.url, sandboxes["payme"]
    page = new_page()
    sign_in(page, base, "live_seller")

    choose(page, base, auction, "payme")
    page.wait_for_url(re.compile(re.escape(f"{payme.base_url}/") + "bT0.*"))
    payment = the_payment(auction)
    assert page.inner_text("#order") == payment.merchant_trans_id
    screenshot(page, "payme_sandbox_page")
    page.click("button[name=action][value=pay]")

    result_page_shows(page, base, payment, "completed")
    assert page.locator("[data-auction-status]").get_attribute("data-auction-status") == "active"
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert (payment.auction.is_paid, payment.auction.status) == (True, AuctionStatus.ACTIVE)
    assert paid_once(payment)


def test_a_seller_pays_with_medogram(live_server, new_page, sandboxes, seller_auction):
    base, medogram = live_server.url, sandboxes["medogram"]
    page = new_page()
    sign_in(page, base, "journey_seller")

    choose(page, base, seller_auction, "medogram")
    page.wait_for_url(re.compile(re.escape(f"{medogram.base_url}/payment/gateway-") + ".*"))
    page.click("button[name=pay]")

    payment = the_payment(seller_auction)
    result_page_shows(page, base, payment, "completed")
    payment.auction.refresh_from_db()
    assert (payment.auction.is_paid, payment.auction.status) == (True, AuctionStatus.SCHEDULED)
    assert paid_once(payment)


@pytest.mark.parametrize(("provider", "final"), [("click", "failed"), ("payme", "cancelled")])
def test_a_seller_declines_and_can_pay_again(
    live_server, new_page, screenshot, sandboxes, seller_auction, provider, final
):
    base = live_server.url
    page = new_page()
    sign_in(page, base, "journey_seller")

    choose(page, base, seller_auction, provider)
    page.wait_for_url(re.compile(re.escape(sandboxes[provider].base_url) + ".*"))
    page.click("button[name=action][value=decline]")

    payment = the_payment(seller_auction)
    result_page_shows(page, base, payment, final)
    assert "The payment did not go through" in page.inner_text("main")
    screenshot(page, f"declined_at_{provider}_sandbox")
    seller_auction.refresh_from_db()
    assert (seller_auction.is_paid, seller_auction.status) == (False, "pending_payment")

    # A new payment, and this time the seller pays.
    choose(page, base, seller_auction, provider)
    page.click("button[name=action][value=pay]")
    second = AuctionPayment.objects.filter(auction=seller_auction).exclude(pk=payment.pk).get()
    result_page_shows(page, base, second, "completed")
    assert paid_once(second)


def test_click_drops_the_answer_and_retries_the_auction_is_paid_once(
    live_server, new_page, screenshot, sandboxes, seller_auction
):
    base, click = live_server.url, sandboxes["click"]
    page = new_page()
    sign_in(page, base, "journey_seller")
    choose(page, base, seller_auction, "click")
    page.wait_for_url(re.compile(re.escape(f"{click.base_url}/services/pay?") + ".*"))

    # The fault form on the sandbox's page brings the browser back to the same page.
    page.select_option("#fault", "drop")
    page.click("#set-fault")
    page.wait_for_selector("[data-fault]:has-text('drop')")
    page.click("button[name=action][value=pay]")

    payment = the_payment(seller_auction)
    result_page_shows(page, base, payment, "completed")
    first, retry = [step for step in click.attempts_for()[0].steps if step.name == "Complete"]
    assert first.problem.startswith("dropped")
    assert retry.answer["error"] in (0, -4)
    assert paid_once(payment)
    page.goto(f"{click.base_url}/")
    assert "paid: Complete answered" in page.inner_text("body")
    screenshot(page, "click_sandbox_after_drop")


def test_payme_answers_slowly_and_retries_the_auction_is_paid_once(
    live_server, new_page, sandboxes, seller_auction
):
    base, payme = live_server.url, sandboxes["payme"]
    answer = requests.post(f"{payme.base_url}/__sandbox__/fault", data={"fault": "slow"}, timeout=5)
    assert answer.status_code == 200
    page = new_page()
    sign_in(page, base, "journey_seller")

    choose(page, base, seller_auction, "payme")
    page.click("button[name=action][value=pay]")

    payment = the_payment(seller_auction)
    result_page_shows(page, base, payment, "completed")
    performs = [step for step in payme.attempts_for()[0].steps if step.name == "PerformTransaction"]
    assert len(performs) == 2
    assert performs[0].answer["result"] == performs[1].answer["result"]
    assert paid_once(payment)


def test_medogram_confirms_another_amount_and_the_auction_stays_unpaid(
    live_server, new_page, sandboxes, seller_auction
):
    base, medogram = live_server.url, sandboxes["medogram"]
    answer = requests.post(
        f"{medogram.base_url}/__sandbox__/mode",
        data={"mode": "wrong_amount", "only": "verify"},
        timeout=5,
    )
    assert answer.status_code == 200
    page = new_page()
    sign_in(page, base, "journey_seller")

    choose(page, base, seller_auction, "medogram")
    page.click("button[name=pay]")

    payment = the_payment(seller_auction)
    result_page_shows(page, base, payment, "failed")
    seller_auction.refresh_from_db()
    assert (seller_auction.is_paid, seller_auction.status) == (False, "pending_payment")
    assert not PaymentEvent.objects.filter(payment=payment, to_status=Status.COMPLETED).exists()
