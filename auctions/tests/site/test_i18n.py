"""Uzbek, Russian and English: chosen by the browser, switchable, remembered."""

import html
from decimal import Decimal

import pytest
from django.utils import translation

from auctions.money import format_money
from auctions.tests.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("uz", Decimal("50000"), "50 000 so'm"),
        ("ru", Decimal("50000.00"), "50 000 сум"),
        ("en", Decimal("50000"), "50,000 UZS"),
        ("en", Decimal("1234567.5"), "1,234,567.50 UZS"),
        ("ru", Decimal("1234567.5"), "1 234 567,50 сум"),
        ("uz", Decimal("0"), "0 so'm"),
    ],
)
def test_money_is_formatted_per_language(language, amount, expected):
    with translation.override(language):
        assert format_money(amount) == expected


def test_money_filter_follows_the_active_language():
    from django.template import Context, Template

    template = Template("{% load site_tags %}{{ amount|money }}|{{ amount|money:'IRR' }}")
    with translation.override("ru"):
        assert template.render(Context({"amount": Decimal("500000")})) == "500 000 сум|500 000 риал"


def test_the_browser_language_is_used(client):
    uz = client.get("/", headers={"accept-language": "uz"}).content.decode()
    ru = client.get("/", headers={"accept-language": "ru-RU,ru;q=0.9"}).content.decode()
    en = client.get("/", headers={"accept-language": "en"}).content.decode()

    assert '<html lang="uz">' in uz
    assert "Kvartira auksionlari" in uz
    assert '<html lang="ru">' in ru
    assert "Аукционы квартир" in ru
    assert '<html lang="en">' in en
    assert "Apartment auctions" in en


def test_the_switch_sets_and_remembers_the_language(client):
    answer = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    remembered = client.get("/", headers={"accept-language": "en"})
    switched = client.post("/i18n/setlang/", {"language": "uz", "next": "/"})
    uzbek = client.get("/")

    assert answer.status_code == 302
    assert answer.cookies["django_language"].value == "ru"
    assert '<html lang="ru">' in remembered.content.decode()
    assert switched.cookies["django_language"].value == "uz"
    assert '<html lang="uz">' in uzbek.content.decode()


def test_every_page_has_the_switch(client):
    auction = ActiveAuctionFactory()

    for path in ["/", f"/auctions/{auction.pk}/", "/accounts/login/", "/accounts/signup/"]:
        text = client.get(path).content.decode()
        assert 'action="/i18n/setlang/"' in text, path
        assert 'name="language" value="uz"' in text, path


def test_form_errors_and_service_messages_are_translated(bidder_client, bidder):
    auction = ActiveAuctionFactory(current_price=Decimal("500000000"), bid_count=1)
    bidder_client.post("/i18n/setlang/", {"language": "ru", "next": "/"})

    invalid = bidder_client.post(f"/auctions/{auction.pk}/bid/", {"amount": "x"})
    refused = bidder_client.post(
        f"/auctions/{auction.pk}/bid/",
        {
            "amount": "1",
            "idempotency_key": "8c1f9a52-3d59-4c38-9c4b-2a8f0d1e7b11",
            "confirmed": "1",
        },
    )

    assert "Введите сумму цифрами" in invalid.content.decode()
    assert "Ставка должна быть не меньше" in refused.content.decode()


def test_the_auction_page_reads_in_uzbek(client):
    auction = ActiveAuctionFactory()
    client.post("/i18n/setlang/", {"language": "uz", "next": "/"})

    text = html.unescape(client.get(f"/auctions/{auction.pk}/").content.decode())

    assert "500 000 000 so'm" in text
    assert "Qoidalar" in text
    assert "Garovga qo'yish uchun kiring" in text or "Taklif berish uchun kiring" in text
