"""The website's side of CONTRACT 9: My cards, the card on the pay page, deposits on the
auction page, the deposit rule on the auction form."""

from decimal import Decimal

import pytest
from django.test import Client

from auctions.models import Auction, Deposit
from auctions.tests.factories import ActiveAuctionFactory, ListingFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_cards_lists_cards_and_says_adding_needs_javascript(bidder, card_of, settings):
    card = card_of(bidder)

    page = client_for(bidder).get("/my/cards/")

    text = page.content.decode()
    assert page.status_code == 200
    assert card.number in text and card.expire in text
    assert card.token not in text
    assert "Adding a card needs JavaScript" in text
    assert 'src="/static/site/cards.js"' in text
    assert "<script>" not in text  # no inline script
    assert f'data-subscribe-url="{settings.PAYME_SUBSCRIBE_URL}"' in text
    assert f'data-merchant-id="{settings.PAYME_MERCHANT_ID}"' in text


def test_the_card_page_allows_exactly_the_subscribe_origin(bidder, settings):
    settings.PAYME_SUBSCRIBE_URL = "https://checkout.test.paycom.uz/api"

    page = client_for(bidder).get("/my/cards/")
    home = client_for(bidder).get("/")

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in page["Content-Security-Policy"].split(";")
        if directive.strip()
    )
    assert policy["connect-src"].split() == ["'self'", "https://checkout.test.paycom.uz"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "paycom" not in home["Content-Security-Policy"]


def test_removing_a_card_without_javascript(bidder, card_of):
    card = card_of(bidder)
    client = client_for(bidder)

    answer = client.post(f"/my/cards/{card.pk}/remove/")

    assert answer.status_code == 302
    assert card.number not in client.get("/my/cards/").content.decode()


def test_the_pay_page_offers_saved_cards_and_pays_with_one(seller, auction, card_of):
    card = card_of(seller)
    client = client_for(seller)

    page = client.get(f"/my/auctions/{auction.pk}/pay/").content.decode()
    answer = client.post(f"/my/auctions/{auction.pk}/pay/card/", {"card": card.pk})

    assert card.number in page and 'id="pay-with-card"' in page
    assert answer.status_code == 302 and "/payments/AUCTION_" in answer["Location"]
    auction.refresh_from_db()
    assert auction.is_paid


def test_a_refused_card_on_the_pay_page_says_why(seller, auction, card_of, subscribe):
    card = card_of(seller)
    subscribe.set_fault("insufficient_funds")

    answer = client_for(seller).post(
        f"/my/auctions/{auction.pk}/pay/card/", {"card": card.pk}, follow=True
    )

    assert "Insufficient funds on the card" in answer.content.decode()


def test_the_auction_page_asks_the_deposit_first_then_offers_the_bid(
    seller, bidder, card_of, subscribe
):
    auction = ActiveAuctionFactory(seller=seller, listing__owner=seller, deposit=Decimal("2000000"))
    card = card_of(bidder)
    client = client_for(bidder)

    before = client.get(f"/auctions/{auction.pk}/").content.decode()
    held = client.post(f"/auctions/{auction.pk}/deposit/", {"card": card.pk}, follow=True)
    after = held.content.decode()

    assert 'id="deposit-rule"' in before and "2,000,000 UZS" in before
    assert 'id="deposit-hold"' in before and card.number in before
    assert f'action="/auctions/{auction.pk}/bid/' not in before
    assert "Your deposit is held" in after
    assert 'data-status="held"' in after
    assert f'action="/auctions/{auction.pk}/bid/' in after
    assert Deposit.objects.get().status == "held"


def test_the_auction_form_states_the_deposit_rule(seller, settings):
    settings.AUCTION_DEPOSIT_MAX_DAYS = 20
    listing = ListingFactory(owner=seller)

    page = client_for(seller).get(f"/my/listings/{listing.pk}/auction/").content.decode()

    assert 'name="deposit"' in page
    assert "must end within 20 days" in page
    assert not Auction.objects.exists()


@pytest.mark.parametrize("card", ["", "x", "9" * 30, "١٢"])
def test_unreadable_card_choices_are_refused_politely(seller, auction, bidder, card, subscribe):
    deposit_auction = ActiveAuctionFactory(deposit=Decimal("1000"))

    paid = client_for(seller).post(f"/my/auctions/{auction.pk}/pay/card/", {"card": card})
    held = client_for(bidder).post(f"/auctions/{deposit_auction.pk}/deposit/", {"card": card})

    assert (paid.status_code, held.status_code) == (302, 302)
    assert not Deposit.objects.exists()
    auction.refresh_from_db()
    assert not auction.is_paid
    assert client_for(seller).post(f"/my/cards/{'9' * 30}/remove/").status_code == 404
