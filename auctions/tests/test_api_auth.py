"""Registration and tokens (CONTRACT 2)."""

import pytest

from auctions.models import User

pytestmark = pytest.mark.django_db


def test_register_then_get_a_token(api):
    created = api.post(
        "/api/auth/register/",
        {"username": "aziz", "password": "Tashkent-2024", "phone": "+998901112233"},
        format="json",
    )
    token = api.post(
        "/api/auth/token/", {"username": "aziz", "password": "Tashkent-2024"}, format="json"
    )

    assert created.status_code == 201
    assert created.json() == {"id": User.objects.get(username="aziz").pk, "username": "aziz"}
    assert User.objects.get(username="aziz").phone == "+998901112233"
    assert token.status_code == 200
    assert len(token.json()["token"]) == 40


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "aziz", "password": "Tashkent-2024", "phone": "+79001112233"}, "phone"),
        ({"username": "aziz", "password": "Tashkent-2024", "phone": "+9989011122"}, "phone"),
        ({"username": "aziz", "password": "short"}, "password"),
        ({"username": "aziz", "password": "12345678901"}, "password"),
        ({"username": "a\x00ziz", "password": "Tashkent-2024"}, "username"),
        ({"password": "Tashkent-2024"}, "username"),
        ({"username": "aziz", "password": "Tashkent-2024", "email": "not-mail"}, "email"),
    ],
)
def test_register_refuses_bad_fields(api, body, field):
    answer = api.post("/api/auth/register/", body, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert not User.objects.filter(username="aziz").exists()


def test_register_refuses_a_taken_username(api, seller):
    answer = api.post(
        "/api/auth/register/", {"username": "SELLER", "password": "Tashkent-2024"}, format="json"
    )

    assert answer.status_code == 400
    assert "username" in answer.json()


def test_token_with_a_wrong_password_is_refused(api, seller):
    answer = api.post("/api/auth/token/", {"username": "seller", "password": "nope-nope"})

    assert answer.status_code == 400
    assert "token" not in answer.json()


def test_superuser_from_the_environment_gets_a_token(api, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "admin")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Admin-pass-2024")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admin@example.uz")
    call_command("createsuperuser", interactive=False, verbosity=0)

    answer = api.post("/api/auth/token/", {"username": "admin", "password": "Admin-pass-2024"})

    assert answer.status_code == 200
    assert User.objects.get(username="admin").is_superuser


def test_usernames_are_unique_whatever_their_case_in_the_database(seller):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="SeLLeR", password="Tashkent-2024")
