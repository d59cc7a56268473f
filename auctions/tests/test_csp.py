"""Content-Security-Policy on every HTML page, no inline script (CONTRACT 6; issue 11, item 10)."""

import re

import pytest
from csp.decorators import csp_update
from django.http import HttpResponse
from django.urls import path

from auctions.tests.factories import ActiveAuctionFactory, PaymentFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def pages(client, admin_user, seller):
    """Every kind of HTML page: public, signed-in, admin and the API docs."""
    auction = ActiveAuctionFactory(seller=seller, listing__owner=seller)
    payment = PaymentFactory(auction=auction)
    public = ["/", f"/auctions/{auction.pk}/", "/accounts/login/", "/accounts/signup/"]
    public += [f"/payments/{payment.merchant_trans_id}/", "/api/docs/", "/admin/login/"]
    own = ["/my/listings/", "/my/auctions/", "/my/bids/", "/my/listings/new/"]
    own += [f"/my/auctions/{auction.pk}/pay/", f"/my/listings/{auction.listing_id}/edit/"]
    staff = ["/admin/", f"/admin/auctions/auction/{auction.pk}/change/"]
    staff += ["/admin/auctions/auctionpayment/", "/admin/auctions/bid/"]
    return (
        [(None, url) for url in public]
        + [(seller, url) for url in own]
        + [(admin_user, url) for url in staff]
    )


def test_every_html_page_carries_the_policy_and_no_inline_script(client, pages):
    for user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)

        response = client.get(url)

        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"], url
        assert policy["default-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not EVENT_HANDLER.search(html), (url, EVENT_HANDLER.search(html).group(0))


def test_the_api_docs_load_their_init_script_from_the_site(client):
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)
    init = next(source for source in sources if "script" in source.split("?", 1)[-1])

    script = client.get(init.replace("&amp;", "&"))

    assert all(source.startswith("/") for source in sources), sources
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


@csp_update({"connect-src": ["https://checkout.test.paycom.uz"]})
def card_page(request):
    return HttpResponse("<!doctype html><title>card</title>")


urlpatterns = [path("card/", card_page)]


@pytest.mark.urls("auctions.tests.test_csp")
def test_a_view_can_extend_connect_src_for_a_providers_api(client):
    policy = directives(client.get("/card/"))

    assert policy["connect-src"] == ["'self'", "https://checkout.test.paycom.uz"]
    assert policy["script-src"] == ["'self'"]
