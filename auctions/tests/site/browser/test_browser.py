"""The website in a real browser: selling with Click, live bidding, languages."""

import datetime
import hashlib
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from auctions import providers
from auctions.models import Auction, AuctionPayment, Bid
from auctions.tests.factories import ActiveAuctionFactory, UserFactory
from auctions.tests.site.conftest import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-42"


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def click_sign(*parts: str) -> str:
    return hashlib.md5("".join(parts).encode()).hexdigest()  # noqa: S324 -- Click's algorithm


def play_click(base: str, payment: AuctionPayment, settings) -> dict:
    """Send Click's signed Prepare and Complete to the live server (PROVIDERS 1.3)."""
    amount = f"{payment.amount:.2f}"
    sign_time = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    common = {
        "click_trans_id": "7001",
        "service_id": settings.CLICK_SERVICE_ID,
        "click_paydoc_id": "8001",
        "merchant_trans_id": payment.merchant_trans_id,
        "amount": amount,
        "error": "0",
        "error_note": "Success",
        "sign_time": sign_time,
    }
    prepare = requests.post(
        f"{base}/api/payments/click/prepare/",
        data={
            **common,
            "action": "0",
            "sign_string": click_sign(
                "7001",
                settings.CLICK_SERVICE_ID,
                settings.CLICK_SECRET_KEY,
                payment.merchant_trans_id,
                amount,
                "0",
                sign_time,
            ),
        },
        timeout=10,
    ).json()
    assert prepare["error"] == 0, prepare
    prepare_id = str(prepare["merchant_prepare_id"])
    complete = requests.post(
        f"{base}/api/payments/click/complete/",
        data={
            **common,
            "action": "1",
            "merchant_prepare_id": prepare_id,
            "sign_string": click_sign(
                "7001",
                settings.CLICK_SERVICE_ID,
                settings.CLICK_SECRET_KEY,
                payment.merchant_trans_id,
                prepare_id,
                amount,
                "1",
                sign_time,
            ),
        },
        timeout=10,
    ).json()
    assert complete["error"] == 0, complete
    return complete


def test_a_seller_lists_opens_and_pays_with_click(
    live_server, new_page, screenshot, settings, tmp_path
):
    if providers.get("click") is None:
        pytest.skip("payments_click has not registered the Click provider")
    settings.CLICK_SERVICE_ID = "12345"
    settings.CLICK_MERCHANT_ID = "555"
    settings.CLICK_SECRET_KEY = "TESTSECRET"
    base = live_server.url
    page = new_page()
    page.route("https://my.click.uz/**", lambda route: route.fulfill(body="Click payment page"))

    # Sign up.
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_username", "flatseller")
    page.fill("#id_phone", "+998901234567")
    page.fill("#id_password1", "a-long-passphrase-9")
    page.fill("#id_password2", "a-long-passphrase-9")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    # A listing with a photo.
    photo = tmp_path / "flat.png"
    photo.write_bytes(png_bytes(size=(640, 400)))
    page.goto(f"{base}/my/listings/new/")
    page.fill("#id_title", "Sunny 3-room flat")
    page.fill("#id_address", "Tashkent, Mirzo Ulugbek 7, 21")
    page.fill("#id_rooms", "3")
    page.fill("#id_area", "72.5")
    page.set_input_files("#id_photos", str(photo))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/my/listings/")
    assert page.locator("img.thumb").first.evaluate("img => img.naturalWidth") == 640

    # An auction starting in a few minutes, Tashkent time.
    page.click("text=Open an auction")
    start = timezone.localtime() + datetime.timedelta(minutes=5)
    page.fill("#id_starting_price", "700000000")
    page.fill("#id_min_increment", "1000000")
    page.fill("#id_start_time", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_end_time", (start + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/my/auctions/\d+/pay/$"))
    auction = Auction.objects.get(listing__title="Sunny 3-room flat")
    assert (auction.status, auction.is_paid) == ("pending_payment", False)

    # Pay with Click: the browser goes to Click's page with our payment id.
    page.check("input[value=click]")
    page.click("main button[type=submit]")
    page.wait_for_url("https://my.click.uz/**")
    query = parse_qs(urlsplit(page.url).query)
    payment = AuctionPayment.objects.get(merchant_trans_id=query["transaction_param"][0])
    assert (payment.provider, payment.status, payment.auction_id) == (
        "click",
        "pending",
        auction.pk,
    )
    return_url = query["return_url"][0]
    assert return_url == f"{base}/payments/{payment.merchant_trans_id}/"

    # Click returns the seller; the page updates itself when Click's callbacks arrive.
    page.goto(return_url)
    assert page.locator("[data-status]").get_attribute("data-status") == "pending"
    play_click(base, payment, settings)
    page.wait_for_selector("[data-status=completed]", timeout=15000)
    assert page.locator("[data-auction-status]").get_attribute("data-auction-status") == (
        "scheduled"
    )
    assert "The fee is paid" in page.inner_text("main")
    screenshot(page, "seller_paid_with_click")
    payment.refresh_from_db()
    auction.refresh_from_db()
    assert (payment.status, auction.is_paid, auction.status) == ("completed", True, "scheduled")


def test_an_outbid_bidder_sees_the_new_price_without_reloading(live_server, new_page, screenshot):
    auction = ActiveAuctionFactory(
        listing__title="Flat with a view",
        starting_price=Decimal("500000000"),
        min_increment=Decimal("1000000"),
    )
    UserFactory(username="first_bidder")
    UserFactory(username="second_bidder")
    base = live_server.url
    first, second = new_page(), new_page()

    sign_in(first, base, "first_bidder")
    first.goto(f"{base}/auctions/{auction.pk}/")
    assert first.input_value("#id_amount") == "500000000"
    first.click("main form button[type=submit]")
    first.click("text=Yes, place my bid")
    first.wait_for_selector("text=Your bid of 500,000,000 UZS is placed.")
    first.evaluate("window.notReloaded = true")

    sign_in(second, base, "second_bidder")
    second.goto(f"{base}/auctions/{auction.pk}/")
    assert second.input_value("#id_amount") == "501000000"
    second.click("main form button[type=submit]")
    second.dblclick("text=Yes, place my bid")
    second.wait_for_selector("text=Your bid of 501,000,000 UZS is placed.")

    price = first.locator("[data-live=price_display]")
    price.filter(has_text="501,000,000 UZS").wait_for(timeout=10000)
    assert first.evaluate("window.notReloaded") is True
    assert first.locator("#history tr").first.inner_text().startswith("Bidder 2")
    assert first.input_value("#id_amount") == "502000000"
    screenshot(first, "bidder_outbid_live")
    assert list(Bid.objects.order_by("id").values_list("bidder__username", "amount")) == [
        ("first_bidder", Decimal("500000000")),
        ("second_bidder", Decimal("501000000")),
    ]


def test_the_language_switch_shows_uzbek_and_russian(live_server, new_page, screenshot):
    ActiveAuctionFactory(listing__title="Flat in Chilonzor")
    page = new_page("en-US")

    page.goto(f"{live_server.url}/")
    assert page.get_attribute("html", "lang") == "en"
    page.click("button[name=language][value=uz]")
    page.wait_for_selector("html[lang=uz]")
    assert "Kvartira auksionlari" in page.inner_text("h1")
    assert "500 000 000 so'm" in page.inner_text("main")
    screenshot(page, "home_uzbek")

    page.click("button[name=language][value=ru]")
    page.wait_for_selector("html[lang=ru]")
    assert "Аукционы квартир" in page.inner_text("h1")
    page.goto(f"{live_server.url}/")  # remembered by the language cookie
    assert page.get_attribute("html", "lang") == "ru"
    assert "500 000 000 сум" in page.inner_text("main")
