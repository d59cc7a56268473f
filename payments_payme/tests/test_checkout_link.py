"""The checkout link (PROVIDERS 2.5), including the spec's own example."""

import base64

import pytest

from payments_payme.protocol import checkout_link

pytestmark = pytest.mark.django_db

SPEC_LINK = (
    "https://checkout.paycom.uz/bT0wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDE7YWMub3JkZXJfaWQ9QVVDVElPTl9B"
    "MUIyQzNENEU1RjZHN0g4STlKMDthPTUwMDAwMDA7Yz1odHRwczovL2V4YW1wbGUudXovcGF5bWVudHMvcmV0dXJu"
    "O2w9dXo="
)


def test_the_spec_example():
    link = checkout_link(
        host="https://checkout.paycom.uz",
        merchant_id="000000000000000000000001",
        account_field="order_id",
        merchant_trans_id="AUCTION_A1B2C3D4E5F6G7H8I9J0",
        tiyin=5000000,
        return_url="https://example.uz/payments/return",
        lang="uz",
    )

    assert link == SPEC_LINK


def decoded(link: str, host: str) -> str:
    assert link.startswith(host + "/")
    return base64.b64decode(link.removeprefix(host + "/"), validate=True).decode()


def test_starting_a_payme_payment_returns_the_checkout_link(seller_api, auction):
    response = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "payme"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["provider"], body["currency"], body["status"]) == ("payme", "UZS", "pending")
    merchant_trans_id = body["merchant_trans_id"]
    assert decoded(body["pay_url"], "https://checkout.paycom.uz") == (
        f"m=000000000000000000000001;ac.order_id={merchant_trans_id};a=5000000;"
        f"c=http://testserver/payments/{merchant_trans_id}/;l=ru"
    )


def test_test_mode_uses_the_sandbox_host_and_site_url(seller_api, auction, settings):
    settings.PAYME_TEST_MODE = True
    settings.SITE_URL = "https://kvartirabar.uz;x"
    settings.PAYME_ACCOUNT_FIELD = "payment_id"

    response = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "payme"}, format="json"
    )

    body = response.json()
    params = decoded(body["pay_url"], "https://test.paycom.uz")
    merchant_trans_id = body["merchant_trans_id"]
    assert params == (
        f"m=000000000000000000000001;ac.payment_id={merchant_trans_id};a=5000000;"
        f"c=https://kvartirabar.uz%3Bx/payments/{merchant_trans_id}/;l=ru"
    )
    assert params.count(";") == 4  # the return URL carries no raw ';'
