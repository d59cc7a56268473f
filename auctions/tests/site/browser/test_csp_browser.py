"""The admin, the API docs and the site work in Chromium under the Content-Security-Policy."""

import pytest

from auctions.tests.factories import (
    ActiveAuctionFactory,
    BidFactory,
    PaymentFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-42"


def watch_policy(page) -> list[str]:
    """Collect every Content-Security-Policy violation the browser reports."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    return violations


def test_admin_pages_work_under_the_policy(live_server, new_page):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    auction = ActiveAuctionFactory()
    PaymentFactory(auction=auction)
    BidFactory(auction=auction)
    page = new_page()
    violations = watch_policy(page)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/auctions/auctionpayment/?q=seller")
    page.goto(f"{live_server.url}/admin/auctions/bid/")
    page.click("#action-toggle")  # admin's own script selects every row
    checked = page.eval_on_selector_all(
        "input.action-select", "boxes => boxes.every(b => b.checked)"
    )
    change = page.goto(f"{live_server.url}/admin/auctions/auction/{auction.pk}/change/")

    assert "script-src 'self'" in change.headers["content-security-policy"]
    assert checked
    assert page.locator("#content h1").inner_text()
    assert violations == []


def test_the_swagger_ui_renders_under_the_policy(live_server, new_page):
    page = new_page()
    violations = watch_policy(page)

    docs = page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")

    assert "script-src 'self'" in docs.headers["content-security-policy"]
    assert "kvartirabar seller API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 5  # the operations, from /api/schema/
    assert violations == []


def test_the_auction_page_script_runs_under_the_policy(live_server, new_page):
    auction = ActiveAuctionFactory()
    page = new_page()
    violations = watch_policy(page)

    shown = page.goto(f"{live_server.url}/auctions/{auction.pk}/")
    assert "script-src 'self'" in shown.headers["content-security-policy"]
    page.wait_for_function(
        "document.querySelector('[data-countdown]') && "
        "/\\d/.test(document.querySelector('[data-countdown]').textContent)"
    )

    assert violations == []
