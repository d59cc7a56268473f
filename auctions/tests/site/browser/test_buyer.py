"""The auction site as a demanding buyer sees it, at 1280x800 and 390x844, in three languages:
the bid panel in view, the confirmation where the click was, the outbid notice, no English."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from auctions import services
from auctions.management.commands.seed_demo import facade, room
from auctions.models import AuctionPayment, ListingPhoto, PaymentStatus
from auctions.tests.factories import (
    ActiveAuctionFactory,
    AuctionFactory,
    BidFactory,
    ListingFactory,
    UserFactory,
)
from auctions.tests.site.catalogue import english_on

from .conftest import DESKTOP, PHONE
from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["uz", "ru", "en"]
# Every string a reader sees, including placeholders and the script's own writing.
SHOWN = """() => {
  const parts = [document.title, document.body.innerText];
  for (const node of document.querySelectorAll("[placeholder],[aria-label],[alt],[title]")) {
    for (const name of ["placeholder", "aria-label", "alt", "title"]) {
      if (node.getAttribute(name)) { parts.push(node.getAttribute(name)); }
    }
  }
  return parts.join(" | ");
}"""
IN_VIEW = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.width > 0 && box.top >= 0 && box.bottom <= window.innerHeight
    && box.left >= 0 && box.right <= window.innerWidth;
}"""


def wait_until(page, expression: str, seconds: float = 10) -> None:
    """Poll a condition with evaluate(): the site's CSP forbids wait_for_function's eval."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def with_photos(listing) -> None:
    palette = ((70, 130, 180), (226, 214, 190))
    pictures = [facade((1200, 800), palette, 1), room((1200, 800), palette, 2)]
    pictures.append(room((800, 1200), palette, 3))  # a portrait photo too
    for position, data in enumerate(pictures):
        photo = ListingPhoto(listing=listing, position=position)
        photo.image.save(f"flat-{position}.png", ContentFile(data), save=False)
        photo.save()


@pytest.fixture
def flat():
    """A live auction with three photos (one portrait), a reserve and two earlier bids."""
    auction = ActiveAuctionFactory(
        listing__title="Yunusoboddagi 3 xonali kvartira / 3-комнатная в Юнусабаде",
        listing__address="Toshkent, Yunusobod 11-mavze, 23-uy",
        listing__description="Ta'mirlangan. / После ремонта.",
        starting_price=Decimal("640000000"),
        min_increment=Decimal("5000000"),
        reserve_price=Decimal("700000000"),
    )
    with_photos(auction.listing)
    for amount in ("640000000", "650000000"):
        BidFactory(auction=auction, amount=Decimal(amount))
    auction.current_price, auction.bid_count = Decimal("650000000"), 2
    auction.save()
    UserFactory(username="buyer")
    return auction


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_laptop_the_bid_panel_and_its_confirmation_stay_in_view(
    live_server, new_page, screenshot, flat, language
):
    page = new_page(language, DESKTOP)
    sign_in(page, live_server.url, "buyer")
    page.goto(f"{live_server.url}/auctions/{flat.pk}/")

    assert page.evaluate(IN_VIEW, "#bid-panel .price-box")
    assert page.evaluate(IN_VIEW, ".bid-box button[type=submit]")
    panel = page.locator("#bid-panel").bounding_box()
    assert panel["x"] > DESKTOP["width"] / 2  # the right-hand column
    gallery = page.locator(".gallery-strip img").first.bounding_box()
    assert gallery["x"] < panel["x"] and gallery["height"] > 300
    screenshot(page, f"auction_desktop_{language}", full_page=False)

    # The gallery: a thumbnail brings its photo into the strip.
    page.click("[data-thumb='2']")
    page.wait_for_selector("[data-thumb='2'].current")
    wait_until(page, "document.querySelector('[data-gallery-strip]').scrollLeft > 100")

    # Scrolled down to the history, the panel is still there.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(200)
    assert page.evaluate("window.scrollY") > 300
    assert page.evaluate(IN_VIEW, "#bid-panel .price-box")
    assert page.evaluate(IN_VIEW, ".bid-box button[type=submit]")
    screenshot(page, f"auction_desktop_scrolled_{language}", full_page=False)

    # Bid: the confirmation opens inside the first screen, where the click was.
    page.fill("#id_amount", "655000000")
    page.click(".bid-box button[type=submit]")
    page.wait_for_selector("#confirm")
    assert page.evaluate(IN_VIEW, "#confirm")
    assert page.evaluate(IN_VIEW, "#confirm button[type=submit]")
    screenshot(page, f"auction_desktop_confirm_{language}", full_page=False)
    page.click("#confirm button[type=submit]")
    page.wait_for_selector(".message.bid-placed")
    assert flat.bids.filter(amount=Decimal("655000000")).count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_the_price_and_the_bid_button_are_on_the_first_screen(
    live_server, new_page, screenshot, flat, language
):
    page = new_page(language, PHONE)
    sign_in(page, live_server.url, "buyer")
    page.goto(f"{live_server.url}/auctions/{flat.pk}/")

    assert page.evaluate(IN_VIEW, "[data-live=price_display]")
    assert page.evaluate(IN_VIEW, ".bid-box button[type=submit]")
    assert page.evaluate(IN_VIEW, ".gallery-strip img")
    screenshot(page, f"auction_phone_{language}", full_page=False)

    page.fill("#id_amount", "1")
    page.click(".bid-box button[type=submit]")
    page.wait_for_selector(".bid-box .error")
    assert page.evaluate(IN_VIEW, ".bid-box .error")
    refusal = page.inner_text(".bid-box .error")
    assert {"uz": "655 000 000 so'm", "ru": "655 000 000 сум", "en": "655,000,000 UZS"}[
        language
    ] in refusal
    screenshot(page, f"auction_phone_too_low_{language}", full_page=False)

    page.fill("#id_amount", "655000000")
    page.click(".bid-box button[type=submit]")
    page.wait_for_selector("#confirm")
    assert page.evaluate(IN_VIEW, "#confirm button[type=submit]")
    screenshot(page, f"auction_phone_confirm_{language}", full_page=False)


def test_a_live_update_replaces_the_placed_banner_with_an_outbid_notice(
    live_server, new_page, screenshot, flat
):
    page = new_page("ru", DESKTOP)
    sign_in(page, live_server.url, "buyer")
    page.goto(f"{live_server.url}/auctions/{flat.pk}/")
    page.fill("#id_amount", "655000000")
    page.click(".bid-box button[type=submit]")
    page.click("#confirm button[type=submit]")
    page.wait_for_selector(".message.bid-placed")
    assert "Ваша ставка 655 000 000 сум принята." in page.inner_text(".messages")
    assert page.inner_text("#standing") == "Вы лидируете со ставкой 655 000 000 сум."
    page.evaluate("window.notReloaded = true")
    lines_before = page.get_attribute("[data-chart-line]", "points").count(" ")

    rival = UserFactory(username="rival")
    services.place_bid(auction_id=flat.pk, bidder=rival, amount=Decimal("700000000"))

    page.wait_for_selector(".message.outbid", timeout=10000)
    notice = "Вашу ставку перебили: цена теперь 700 000 000 сум."
    assert page.inner_text(".messages") == notice
    assert "принята" not in page.inner_text("main")
    assert page.inner_text("#standing") == notice
    assert page.get_attribute("#standing", "class") == "standing outbid"
    assert page.inner_text("[data-live=price_display]") == "700 000 000 сум"
    assert page.inner_text("[data-live=bid_count_display]") == "4 ставки"
    assert page.get_attribute("[data-chart-line]", "points").count(" ") == lines_before + 2
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "auction_outbid_live_ru", full_page=False)


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_no_english_on_any_page_in_uzbek_or_russian(
    live_server, new_page, screenshot, flat, language, settings
):
    settings.CLICK_SERVICE_ID, settings.CLICK_MERCHANT_ID = "12345", "555"
    seller = flat.seller
    seller.set_password("correct-horse-42")
    seller.save()
    unpaid = AuctionFactory(
        listing__owner=seller,
        listing__title="Chilonzordagi studiya",
        start_time=timezone.now() + datetime.timedelta(days=1),
    )
    declined = AuctionPayment.objects.create(
        auction=unpaid, provider="click", amount=Decimal("50000"), currency="UZS"
    )
    AuctionPayment.objects.filter(pk=declined.pk).update(status=PaymentStatus.CANCELLED)
    base = live_server.url
    leaks = {}

    def check(page, name):
        page.wait_for_timeout(1100)  # the countdown has ticked: its text is the script's
        found = english_on(page.evaluate(SHOWN), language)
        if found:
            leaks[name] = found
        screenshot(page, f"{name}_{language}")

    anyone = new_page(language, DESKTOP)
    for name, path in [
        ("home", "/"),
        ("home_bad_filters", "/?price_min=abc&rooms=9"),
        ("auction", f"/auctions/{flat.pk}/"),
        ("sign_in", "/accounts/login/"),
    ]:
        anyone.goto(base + path)
        check(anyone, name)
    anyone.goto(f"{base}/?price_min=abc&rooms=9")
    assert anyone.locator(".filter-errors li").count() == 2
    assert anyone.locator(".auction-card").count() >= 1  # the page keeps its layout
    anyone.goto(f"{base}/accounts/signup/")
    anyone.fill("#id_username", "a")
    anyone.fill("#id_password1", "123")
    anyone.fill("#id_password2", "1234")
    anyone.click("main button[type=submit]")
    check(anyone, "sign_up_errors")

    buyer = new_page(language, PHONE)
    sign_in(buyer, base, "buyer")
    buyer.goto(f"{base}/auctions/{flat.pk}/")
    buyer.fill("#id_amount", "655000000")
    buyer.click(".bid-box button[type=submit]")
    buyer.click("#confirm button[type=submit]")
    buyer.wait_for_selector(".message.bid-placed")
    check(buyer, "auction_after_bid")
    buyer.goto(f"{base}/my/bids/")
    check(buyer, "my_bids")

    owner = new_page(language, DESKTOP)
    sign_in(owner, base, seller.username)
    for name, path in [
        ("my_listings", "/my/listings/"),
        ("my_auctions", "/my/auctions/"),
        ("pay", f"/my/auctions/{unpaid.pk}/pay/"),
        ("payment_declined", f"/payments/{declined.merchant_trans_id}/"),
        ("new_listing", "/my/listings/new/"),
    ]:
        owner.goto(base + path)
        check(owner, name)
        if name == "pay":
            note = owner.inner_text("label.provider:has(input[value=medogram])")
            assert "500 000" in note and "50 000" in note  # rial, and the sum fee it replaces
        if name == "payment_declined":
            assert owner.locator(".pay-again input[name=provider]").input_value() == "click"
    spare = ListingFactory(owner=seller, title="Sergeli, 1 xonali")
    owner.goto(f"{base}/my/listings/{spare.pk}/auction/")
    owner.fill("#id_starting_price", "650")
    owner.click("main button[type=submit]")
    assert owner.locator("main .error").count() >= 4  # every error in one round
    check(owner, "auction_form_errors")

    assert leaks == {}


@pytest.mark.parametrize(("language", "viewport"), [("uz", DESKTOP), ("ru", PHONE)])
def test_the_demo_home_page_shows_live_and_upcoming_flats_with_photos(
    live_server, new_page, screenshot, language, viewport
):
    from django.core.management import call_command

    call_command("seed_demo")
    page = new_page(language, viewport)
    page.goto(f"{live_server.url}/")

    cards = page.locator(".auction-card")
    assert cards.count() >= 5
    screenshot(page, f"demo_home_{language}_{viewport['width']}", full_page=False)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # photos load lazily
    wait_until(
        page, "[...document.querySelectorAll('.auction-card img.thumb')].every(i => i.naturalWidth)"
    )
    widths = page.eval_on_selector_all(
        ".auction-card img.thumb", "images => images.map(image => image.naturalWidth)"
    )
    assert widths and all(width == 1200 for width in widths)
    badges = page.eval_on_selector_all(
        ".auction-card .badge", "nodes => nodes.map(n => n.className)"
    )
    assert "badge active" in badges and "badge scheduled" in badges
    assert english_on(page.evaluate(SHOWN), language) == []
    icon = page.evaluate("fetch('/favicon.ico').then(r => [r.status, r.url])")
    assert icon == [200, f"{live_server.url}/static/site/favicon.svg"]


def test_the_api_schema_opens_in_the_browser_and_its_docs_page_stays_home(
    live_server, new_page, screenshot
):
    page = new_page("en", DESKTOP)

    answer = page.goto(f"{live_server.url}/api/schema/")  # a download would raise here

    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert page.inner_text("body").startswith("openapi: 3")
    screenshot(page, "api_schema_in_browser", full_page=False)

    outside = []
    page.on(
        "request",
        lambda request: outside.append(request.url)
        if not request.url.startswith(live_server.url)
        else None,
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    links = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    text = page.inner_text("body")
    screenshot(page, "api_docs", full_page=False)
    assert outside == []
    assert [link for link in links if not link.startswith(live_server.url)] == []
    assert "CONTRACT" not in text and "docs/api.md" in text


def test_the_bid_form_refuses_a_wrong_amount_at_once_and_follows_the_live_minimum(
    live_server, new_page, flat
):
    page = new_page("uz", DESKTOP)
    sign_in(page, live_server.url, "buyer")
    page.goto(f"{live_server.url}/auctions/{flat.pk}/")
    page.evaluate("window.notReloaded = true")

    page.fill("#id_amount", "65 000 000 000")
    page.click(".bid-box button[type=submit]")
    assert page.inner_text("[data-bid-error]") == (
        "Taklif ko'pi bilan 6 550 000 000 so'm bo'lishi mumkin; nollar sonini tekshiring."
    )

    services.place_bid(
        auction_id=flat.pk, bidder=UserFactory(username="early"), amount=Decimal("700000000")
    )
    wait_until(
        page, "document.querySelector('[data-bid-form]').getAttribute('data-min') === '705000000'"
    )
    page.fill("#id_amount", "655000000")
    page.click(".bid-box button[type=submit]")
    assert page.inner_text("[data-bid-error]") == "Taklif kamida 705 000 000 so'm bo'lishi kerak."
    assert page.evaluate("window.notReloaded") is True  # refused without a round trip
    assert flat.bids.count() == 3
