"""CLICK_PAY_URL decides where pay_url leads (CONTRACT 6 and 10)."""

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("setting", "page"),
    [
        ("https://my.click.uz/services/pay", "https://my.click.uz/services/pay"),
        ("", "https://my.click.uz/services/pay"),
        ("http://127.0.0.1:8091/services/pay", "http://127.0.0.1:8091/services/pay"),
    ],
)
def test_pay_url_leads_to_the_configured_page_with_the_return_url(
    settings, seller_api, auction, setting, page
):
    settings.CLICK_PAY_URL = setting
    settings.SITE_URL = "https://kvartirabar.uz"

    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "click"}, format="json"
    ).json()

    url = urlsplit(answer["pay_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == page
    assert parse_qs(url.query)["return_url"] == [
        f"https://kvartirabar.uz/payments/{answer['merchant_trans_id']}/"
    ]
