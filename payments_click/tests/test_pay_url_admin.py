"""The way in (pay_url, 1.8), the operator's view (admin) and the start-up check."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from auctions.models import PaymentStatus
from auctions.tests.factories import UserFactory
from payments_click.models import ClickTransaction
from payments_click.tests.factories import ClickTransactionFactory

pytestmark = pytest.mark.django_db


def start_click_payment(seller_api, auction):
    response = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "click"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_starting_a_click_payment_returns_clicks_payment_page(seller_api, auction):
    started = start_click_payment(seller_api, auction)

    merchant_trans_id = started["merchant_trans_id"]
    assert (started["provider"], started["currency"], started["amount"]) == (
        "click",
        "UZS",
        "50000.00",
    )
    assert started["status"] == PaymentStatus.PENDING
    assert started["pay_url"] == (
        "https://my.click.uz/services/pay?service_id=12345&merchant_id=777&amount=50000.00"
        f"&transaction_param={merchant_trans_id}"
        f"&return_url=http%3A%2F%2Ftestserver%2Fpayments%2F{merchant_trans_id}%2F"
    )


def test_pay_url_uses_site_url_and_the_merchant_user_id_when_set(seller_api, auction, settings):
    settings.SITE_URL = "https://kvartirabar.uz"
    settings.CLICK_MERCHANT_USER_ID = "4321"

    started = start_click_payment(seller_api, auction)

    url = urlsplit(started["pay_url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "my.click.uz", "/services/pay")
    assert parse_qsl(url.query) == [
        ("service_id", "12345"),
        ("merchant_id", "777"),
        ("amount", "50000.00"),
        ("transaction_param", started["merchant_trans_id"]),
        ("return_url", f"https://kvartirabar.uz/payments/{started['merchant_trans_id']}/"),
        ("merchant_user_id", "4321"),
    ]


def test_the_pay_url_payment_is_what_click_then_pays(seller_api, auction, click):
    started = start_click_payment(seller_api, auction)
    query = dict(parse_qsl(urlsplit(started["pay_url"]).query))

    prepared, completed = click.pay(query["transaction_param"], amount=query["amount"])

    assert (prepared["error"], completed["error"]) == (0, 0)
    auction.refresh_from_db()
    assert auction.is_paid


# Admin


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


CHANGELIST = "/admin/payments_click/clicktransaction/"


def listed(response) -> bool:
    assert response.status_code == 200
    return response.context["cl"].result_count


def test_admin_lists_and_searches_click_transactions(admin_client):
    row = ClickTransactionFactory(click_trans_id=424242, click_paydoc_id=515151)
    ClickTransactionFactory()

    assert listed(admin_client.get(CHANGELIST)) == 2
    for term in ("424242", "515151", row.payment.merchant_trans_id):
        assert listed(admin_client.get(CHANGELIST, {"q": term})) == 1, term
    assert listed(admin_client.get(CHANGELIST, {"q": "no-such-id"})) == 0


def test_admin_filters_by_status_and_date(admin_client):
    ClickTransactionFactory(status="completed")
    ClickTransactionFactory(status="prepared")

    assert listed(admin_client.get(CHANGELIST, {"status__exact": "completed"})) == 1
    long_ago = "2000-01-01 00:00:00+00:00"
    assert listed(admin_client.get(CHANGELIST, {"created_at__gte": long_ago})) == 2
    assert listed(admin_client.get(CHANGELIST, {"created_at__lt": long_ago})) == 0


def test_admin_is_read_only(admin_client):
    row = ClickTransactionFactory()

    assert admin_client.get(CHANGELIST + "add/").status_code == 403
    assert admin_client.post(CHANGELIST + f"{row.pk}/delete/", {"post": "yes"}).status_code == 403
    view = admin_client.get(CHANGELIST + f"{row.pk}/change/")
    assert view.status_code == 200
    assert not view.context["has_change_permission"]
    admin_client.post(CHANGELIST + f"{row.pk}/change/", {"click_trans_id": "1", "status": "x"})
    row.refresh_from_db()
    assert row.click_trans_id != 1
    assert ClickTransaction.objects.count() == 1


def test_click_transactions_show_inline_on_their_payment(admin_client):
    row = ClickTransactionFactory(click_trans_id=919191)

    page = admin_client.get(f"/admin/auctions/auctionpayment/{row.payment_id}/change/")

    assert page.status_code == 200
    assert b"919191" in page.content
