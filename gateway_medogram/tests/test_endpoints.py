"""GET status/<merchant_trans_id>/ and the signed-in user's list (CONTRACT 5)."""

import pytest
from rest_framework.test import APIClient

from auctions.tests.factories import AuctionFactory, UserFactory

pytestmark = pytest.mark.django_db
CALLBACK = "/api/payments/medogram/callback/"


def status_of(merchant_trans_id):
    return APIClient().get(f"/api/payments/medogram/status/{merchant_trans_id}/")


def test_status_shows_the_payment_to_whoever_holds_the_id(paid_at_gateway, client, seller):
    payment, query = paid_at_gateway
    client.get(CALLBACK, query)

    answer = status_of(payment.merchant_trans_id)

    assert answer.status_code == 200
    body = answer.json()
    payment.refresh_from_db()
    assert body["transaction_id"] == payment.merchant_trans_id
    assert body["status"] == "completed"
    assert body["status_display"] == "completed"
    assert body["amount"] == "500000.00"
    assert body["gateway_tracking_code"] == query["tracking_code"]
    assert body["completed_at"] is not None
    assert body["created_at"]
    text = answer.content.decode()
    for personal in (seller.username, seller.phone, query["trans_id"], "603799"):
        assert personal not in text


def test_status_of_a_processing_payment(start_medogram):
    answer, payment = start_medogram()

    body = status_of(payment.merchant_trans_id).json()

    assert (body["status"], body["gateway_tracking_code"], body["completed_at"]) == (
        "processing",
        None,
        None,
    )


def test_status_of_an_unknown_or_other_provider_payment_is_404(make_payment):
    click = make_payment("click")

    assert status_of("AUCTION_" + "0" * 20).status_code == 404
    assert status_of(click.merchant_trans_id).status_code == 404
    assert status_of("AUCTION_short").status_code == 404


def test_list_needs_authentication(sandbox):
    answer = APIClient().get("/api/payments/medogram/")

    assert answer.status_code in (401, 403)


def test_list_shows_only_the_users_own_medogram_payments(
    start_medogram, seller_api, make_payment, sandbox
):
    _, mine = start_medogram()
    make_payment("click")
    stranger = UserFactory(username="stranger", phone="+998907654321")
    stranger_api = APIClient()
    stranger_api.force_authenticate(stranger)
    theirs_answer, theirs = start_medogram(
        AuctionFactory(seller=stranger, listing__owner=stranger), client=stranger_api
    )
    assert theirs_answer.status_code == 201

    answer = seller_api.get("/api/payments/medogram/")

    assert answer.status_code == 200
    assert [row["transaction_id"] for row in answer.json()] == [mine.merchant_trans_id]
    other = stranger_api.get("/api/payments/medogram/").json()
    assert [row["transaction_id"] for row in other] == [theirs.merchant_trans_id]


def test_staff_list_every_medogram_payment(start_medogram, sandbox):
    _, mine = start_medogram()
    staff = APIClient()
    staff.force_authenticate(UserFactory(username="operator", is_staff=True))

    answer = staff.get("/api/payments/medogram/")

    assert [row["transaction_id"] for row in answer.json()] == [mine.merchant_trans_id]


def test_list_with_a_token(start_medogram, seller):
    from rest_framework.authtoken.models import Token

    _, mine = start_medogram()
    token = Token.objects.create(user=seller)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    answer = client.get("/api/payments/medogram/")

    assert [row["transaction_id"] for row in answer.json()] == [mine.merchant_trans_id]
