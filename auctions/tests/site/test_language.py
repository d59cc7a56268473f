"""No English on Uzbek and Russian pages; plurals, status words and provider names."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from auctions import site_words
from auctions.models import PaymentStatus
from auctions.tests.factories import (
    ActiveAuctionFactory,
    AuctionFactory,
    BidFactory,
    ListingFactory,
    PaymentFactory,
    UserFactory,
)
from auctions.tests.site.catalogue import english_on, shown_text

pytestmark = pytest.mark.django_db

LANGUAGES = ["uz", "ru"]


def client_in(language: str, user=None) -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


@pytest.fixture
def market(seller, bidder):
    """A live auction with bids (the bidder outbid), an upcoming one, a declined payment."""
    rival = UserFactory(username="rival")
    live = ActiveAuctionFactory(
        listing__owner=seller,
        listing__title="Yunusoboddagi 3 xonali kvartira",
        listing__description="Ta'mirlangan.",
        listing__address="Toshkent, Yunusobod 4",
        reserve_price=Decimal("900000000"),
    )
    BidFactory(auction=live, bidder=bidder, amount=Decimal("500000000"))
    BidFactory(auction=live, bidder=rival, amount=Decimal("501000000"))
    live.current_price, live.bid_count, live.leader = Decimal("501000000"), 2, rival
    live.save()
    ActiveAuctionFactory(
        listing__title="Студия в Сергели",
        listing__description="Новый дом.",
        listing__address="Ташкент, Сергели 7",
        start_time=timezone.now() + datetime.timedelta(hours=3),
        status="scheduled",
    )
    unpaid = AuctionFactory(
        listing=ListingFactory(owner=seller, title="Chilonzordagi studiya", address="Toshkent"),
    )
    declined = PaymentFactory(auction=unpaid, provider="click", status=PaymentStatus.CANCELLED)
    return {"live": live, "unpaid": unpaid, "declined": declined}


def pages(market) -> list[tuple[str, str, dict | None]]:
    live, unpaid = market["live"], market["unpaid"]
    return [
        ("anyone", "/", None),
        ("anyone", "/?price_min=abc&rooms=9", None),
        ("anyone", f"/auctions/{live.pk}/", None),
        ("anyone", "/accounts/login/", None),
        ("anyone", "/accounts/login/", {"username": "nobody", "password": "wrong-password"}),
        ("anyone", "/accounts/signup/", None),
        ("anyone", "/accounts/signup/", {"username": "x", "password1": "1", "password2": "2"}),
        ("anyone", "/no-such-page/", None),
        ("bidder", f"/auctions/{live.pk}/", None),
        ("bidder", f"/auctions/{live.pk}/bid/", {"amount": "501500000", "idempotency_key": ""}),
        ("bidder", f"/auctions/{live.pk}/bid/", {"amount": "1", "idempotency_key": KEY}),
        ("bidder", f"/auctions/{live.pk}/bid/", {"amount": "99999999999", "idempotency_key": KEY}),
        ("bidder", f"/auctions/{live.pk}/bid/", {"amount": "502000000", "idempotency_key": KEY}),
        ("bidder", "/my/bids/", None),
        ("seller", "/my/listings/", None),
        ("seller", "/my/listings/new/", None),
        ("seller", "/my/listings/new/", {"title": ""}),
        ("seller", f"/my/listings/{unpaid.listing_id}/edit/", None),
        ("seller", f"/my/listings/{unpaid.listing_id}/auction/", {"starting_price": "650"}),
        ("seller", "/my/auctions/", None),
        ("seller", f"/my/auctions/{unpaid.pk}/pay/", None),
        ("seller", f"/payments/{market['declined'].merchant_trans_id}/", None),
        ("seller", f"/auctions/{live.pk}/", None),
    ]


KEY = "8c1f9a52-3d59-4c38-9c4b-2a8f0d1e7b11"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_in_uzbek_or_russian_shows_english(language, market, seller, bidder):
    clients = {
        "anyone": client_in(language),
        "bidder": client_in(language, bidder),
        "seller": client_in(language, seller),
    }
    leaks = {}
    for who, path, form in pages(market):
        client = clients[who]
        answer = client.post(path, form) if form is not None else client.get(path)
        assert answer.status_code in (200, 400, 404), (path, answer.status_code)
        found = english_on(shown_text(answer.content.decode()), language)
        if found:
            leaks[f"{who} {'POST' if form is not None else 'GET'} {path}"] = found
    assert leaks == {}


def test_the_check_finds_english_when_there_is_some():
    page = "<p>Kvartira auksionlari</p><button>Place a bid</button><p>Bidder 3 · 5 bids</p>"

    assert set(english_on(shown_text(page), "uz")) >= {"Place a bid", "Bidder %(number)s"}
    assert english_on(shown_text('<input placeholder="e.g. Yunusabad">'), "ru") == [
        "e.g. Yunusabad"
    ]
    assert english_on(shown_text("<p>Click · Payme · Medogram · 5 000 so'm</p>"), "uz") == []


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("ru", {1: "1 ставка", 2: "2 ставки", 5: "5 ставок", 21: "21 ставка", 12: "12 ставок"}),
        ("uz", {1: "1 ta taklif", 5: "5 ta taklif"}),
        ("en", {1: "1 bid", 2: "2 bids"}),
    ],
)
def test_bid_counts_take_the_languages_plural_forms(language, counts):
    with translation.override(language):
        assert {count: site_words.bids(count) for count in counts} == counts


def test_one_set_of_status_words_on_every_page(market, seller):
    client = client_in("ru", seller)
    live = market["live"]

    home = shown_text(client.get("/").content.decode())
    detail = shown_text(client.get(f"/auctions/{live.pk}/").content.decode())
    mine = shown_text(client.get("/my/auctions/").content.decode())
    result = shown_text(
        client.get(f"/payments/{market['declined'].merchant_trans_id}/").content.decode()
    )

    assert "Идёт" in home and "Идёт" in detail and "Идёт" in mine
    assert "Скоро" in home
    assert "идёт" not in mine  # the model's lower-case label is not used on the site
    assert "Ожидает оплаты" in mine
    assert "Отменена" in result  # the listing fee: feminine, as "плата"
    assert "(Click)" in mine and "(click)" not in mine


def test_the_countdown_unit_and_the_live_strings_are_translated(market):
    text = client_in("uz").get(f"/auctions/{market['live'].pk}/").content.decode()

    assert 'data-day-unit="kun"' in text
    assert "1 kun" in shown_text(text) or "23:" in shown_text(text)
    assert (
        'data-none="Hali takliflar yo&#x27;q."' in text
        or 'data-none="Hali takliflar yo\'q."' in text
    )
