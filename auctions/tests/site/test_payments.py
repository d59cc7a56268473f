"""Paying the listing fee from the website through services.start_payment."""

import pytest

from auctions import payment_flow, providers
from auctions.models import AuctionPayment

pytestmark = pytest.mark.django_db


def test_the_pay_page_lists_every_registered_provider(seller_client, auction, test_provider):
    page = seller_client.get(f"/my/auctions/{auction.pk}/pay/")

    text = page.content.decode()
    assert page.status_code == 200
    for provider in providers.all_providers():
        assert f'value="{provider.name}"' in text
    assert "Test Pay" in text
    assert "50,000 UZS" in text


def test_choosing_a_provider_starts_the_payment_and_redirects(
    seller_client, auction, test_provider
):
    answer = seller_client.post(f"/my/auctions/{auction.pk}/pay/", {"provider": "testpay"})

    payment = AuctionPayment.objects.get(auction=auction)
    assert answer.status_code == 302
    assert answer["Location"] == f"https://pay.example/{payment.merchant_trans_id}"
    assert (payment.provider, payment.status) == ("testpay", "pending")


def test_an_unknown_provider_is_a_readable_refusal(seller_client, auction, test_provider):
    page = seller_client.post(f"/my/auctions/{auction.pk}/pay/", {"provider": "bitcoin"})

    assert page.status_code == 400
    assert "Unknown provider; choose one of:" in page.content.decode()
    assert AuctionPayment.objects.count() == 0


def test_an_already_paid_auction_is_refused(seller_client, auction, test_provider):
    payment = AuctionPayment.objects.create(
        auction=auction, provider="testpay", amount=50000, currency="UZS"
    )
    payment_flow.complete_payment(payment.pk, cause="test")

    page = seller_client.post(f"/my/auctions/{auction.pk}/pay/", {"provider": "testpay"})

    assert page.status_code == 400
    assert "This auction is already paid." in page.content.decode()
    assert AuctionPayment.objects.count() == 1


def test_an_unavailable_provider_asks_to_try_another(seller_client, auction):
    def start(payment, request):
        raise providers.ProviderUnavailable("gateway down")

    providers.register(
        providers.PaymentProvider(
            name="downpay", currency="UZS", pay_url=lambda p, r: "https://x.example/", start=start
        )
    )
    try:
        page = seller_client.post(f"/my/auctions/{auction.pk}/pay/", {"provider": "downpay"})
    finally:
        providers._registry.pop("downpay", None)

    assert page.status_code == 400
    assert "unavailable right now; please try another one" in page.content.decode()


def test_the_result_page_shows_both_statuses_and_polls_until_final(client, make_payment):
    payment = make_payment("click")

    pending = client.get(f"/payments/{payment.merchant_trans_id}/")
    status = client.get(f"/payments/{payment.merchant_trans_id}/status/").json()
    payment_flow.complete_payment(payment.pk, cause="test")
    done = client.get(f"/payments/{payment.merchant_trans_id}/")
    final = client.get(f"/payments/{payment.merchant_trans_id}/status/").json()

    assert pending.status_code == 200
    assert 'data-final="0"' in pending.content.decode()
    assert 'http-equiv="refresh"' in pending.content.decode()
    assert status == {
        "merchant_trans_id": payment.merchant_trans_id,
        "status": "pending",
        "status_display": "Awaiting payment",
        "final": False,
        "auction_status": "pending_payment",
        "auction_status_display": "Awaiting payment",
        "is_paid": False,
    }
    assert 'data-final="1"' in done.content.decode()
    assert 'http-equiv="refresh"' not in done.content.decode()
    assert (final["status"], final["final"], final["auction_status"]) == (
        "completed",
        True,
        "scheduled",
    )


def test_my_auctions_shows_the_payment_and_auction_status(seller_client, make_payment):
    payment = make_payment("click")

    text = seller_client.get("/my/auctions/").content.decode()

    assert f"/payments/{payment.merchant_trans_id}/" in text
    assert "Awaiting payment" in text
    assert f"/my/auctions/{payment.auction_id}/pay/" in text
