"""PAYME_CHECKOUT_URL decides where pay_url leads (CONTRACT 6 and 10)."""

import pytest

from payments_payme.protocol import checkout_host

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("checkout_url", "test_mode", "host"),
    [
        ("", False, "https://checkout.paycom.uz"),
        ("", True, "https://test.paycom.uz"),
        ("http://127.0.0.1:8092", False, "http://127.0.0.1:8092"),
        ("http://127.0.0.1:8092", True, "http://127.0.0.1:8092"),
    ],
)
def test_the_setting_wins_over_the_mode(
    settings, seller_api, auction, checkout_url, test_mode, host
):
    settings.PAYME_CHECKOUT_URL, settings.PAYME_TEST_MODE = checkout_url, test_mode

    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "payme"}, format="json"
    )

    assert checkout_host() == host
    assert answer.json()["pay_url"].startswith(host + "/bT0")
