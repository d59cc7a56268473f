"""NUL bytes and other unstorable text anywhere in a request: a 4xx or ignored, never a 500.

Matters on PostgreSQL, which refuses NUL in text; CI runs this there.
"""

import json

import pytest

from auctions.tests.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db

# As they arrive on the wire: percent-encoded in URLs and forms, escaped in JSON.
URL_TEXT = ["a%00b", "a%ED%A0%80b", "%FF%FE"]
JSON_TEXT = ["a\\u0000b", "a\\ud800b"]


@pytest.mark.parametrize("text", URL_TEXT)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/", "address"),
        ("/", "rooms"),
        ("/", "price_min"),
        ("/api/listings/", "mine"),
        ("/api/auctions/", "limit"),
        ("/api/auctions/", "offset"),
        ("/accounts/login/", "next"),
    ],
)
def test_get_parameters(client, path, field, text):
    answer = client.get(f"{path}?{field}={text}")

    assert answer.status_code < 500


@pytest.mark.parametrize("text", URL_TEXT)
def test_form_bodies(client, text):
    form = "application/x-www-form-urlencoded"

    answers = [
        client.post("/accounts/login/", f"username={text}&password={text}", content_type=form),
        client.post(
            "/accounts/signup/",
            f"username={text}&password1={text}&password2={text}",
            content_type=form,
        ),
        client.post("/api/auth/token/", f"username={text}&password={text}", content_type=form),
    ]

    assert [answer.status_code for answer in answers if answer.status_code >= 500] == []


@pytest.mark.parametrize("text", JSON_TEXT)
def test_json_bodies(client, seller_api, text):
    auction = ActiveAuctionFactory()

    def post(api, path, body):
        raw = json.dumps(body).replace("TEXT", text)
        return api.post(path, raw, content_type="application/json")

    answers = [
        post(
            seller_api,
            "/api/listings/",
            {"title": "TEXT", "address": "TEXT", "rooms": 2, "area": "40"},
        ),
        post(seller_api, f"/api/auctions/{auction.pk}/bids/", {"amount": "TEXT"}),
        post(seller_api, f"/api/auctions/{auction.pk}/payments/", {"provider": "TEXT"}),
        post(client, "/api/auth/register/", {"username": "TEXT", "password": "TEXT"}),
        post(client, "/api/auth/token/", {"username": "TEXT", "password": "TEXT"}),
    ]

    assert [answer.status_code for answer in answers] == [400] * len(answers)


def test_paths_with_nul_are_not_found(client):
    assert client.get("/api/payments/AUCTION_%00/").status_code == 404
    assert client.get("/auctions/%00/").status_code == 404
    assert client.get("/api/payments/medogram/status/%00/").status_code in (400, 404)


def test_an_unknown_api_path_answers_json(client):
    answer = client.get("/api/no-such-thing/")

    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("pk", ["9223372036854775808", "99999999999999999999999"])
def test_ids_beyond_bigint_are_not_found(pk):
    from rest_framework.test import APIClient

    from auctions.tests.factories import UserFactory

    api = APIClient()
    api.force_authenticate(UserFactory())

    assert (
        api.post(f"/api/auctions/{pk}/bids/", {"amount": "1000"}, format="json").status_code == 404
    )
    assert api.get(f"/api/auctions/{pk}/bids/").status_code == 404
    assert api.get(f"/api/auctions/{pk}/").status_code == 404
