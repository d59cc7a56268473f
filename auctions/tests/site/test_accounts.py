"""Sign up, sign in and sign out: the same accounts as the API."""

import pytest
from django.test import Client

from auctions.models import User

pytestmark = pytest.mark.django_db


def test_sign_up_creates_the_user_and_signs_them_in(client):
    answer = client.post(
        "/accounts/signup/",
        {
            "username": "newseller",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "phone": "+998901112233",
            "email": "seller@example.uz",
        },
    )

    assert answer.status_code == 302
    user = User.objects.get(username="newseller")
    assert (user.phone, user.email) == ("+998901112233", "seller@example.uz")
    assert user.check_password("a-long-passphrase-9")
    assert client.get("/my/listings/").status_code == 200


def test_sign_up_refuses_with_readable_messages(client):
    User.objects.create_user("Taken", password="x-long-password-1")

    answer = client.post(
        "/accounts/signup/",
        {"username": "taken", "password1": "12345678", "password2": "123", "phone": "901112233"},
    )

    text = answer.content.decode()
    assert answer.status_code == 400
    assert "This username is taken." in text
    assert "The two password fields didn" in text
    assert "Use +998 and 9 digits." in text
    assert User.objects.count() == 1


def test_sign_up_applies_the_password_rules(client):
    answer = client.post(
        "/accounts/signup/",
        {"username": "someone", "password1": "12345678", "password2": "12345678"},
    )

    assert "This password is entirely numeric." in answer.content.decode()
    assert not User.objects.filter(username="someone").exists()


def test_an_api_account_signs_in_on_the_website_and_out_again(client, api):
    api.post("/api/auth/register/", {"username": "apiuser", "password": "a-long-passphrase-9"})

    signed_in = client.post(
        "/accounts/login/", {"username": "apiuser", "password": "a-long-passphrase-9"}
    )
    signed_out = client.post("/accounts/logout/")

    assert signed_in.status_code == 302
    assert signed_out.status_code == 302
    assert client.get("/my/bids/").status_code == 302


def test_a_wrong_password_is_a_readable_refusal(client, seller):
    answer = client.post("/accounts/login/", {"username": "seller", "password": "wrong"})

    assert answer.status_code == 200
    assert "Please enter a correct username and password" in answer.content.decode()


def test_state_changes_need_the_csrf_token(seller):
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)

    refused = client.post("/my/listings/new/", {"title": "x"})
    page = client.get("/my/listings/new/")
    token = page.cookies["csrftoken"].value
    accepted = client.post(
        "/my/listings/new/",
        {
            "csrfmiddlewaretoken": token,
            "title": "Flat",
            "address": "Tashkent",
            "rooms": "2",
            "area": "50",
        },
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert seller.listings.count() == 1
