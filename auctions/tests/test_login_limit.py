"""Passwords and login throttling (CONTRACT 2; issue 11, item 9)."""

import datetime

import pytest

from auctions.models import LoginFailure, User
from auctions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-42"  # UserFactory's


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("aziz", "password", "too common"),
        ("aziz", "12345678", "entirely numeric"),
        ("aziz", "short1!", "too short"),
        ("aziz_karimov", "aziz_karimov", "too similar"),
    ],
)
def test_register_refuses_a_weak_password_with_the_reason(api, username, password, reason):
    answer = api.post(
        "/api/auth/register/", {"username": username, "password": password}, format="json"
    )

    assert answer.status_code == 400
    assert any(reason in message for message in answer.json()["password"]), answer.json()
    assert not User.objects.exists()


def test_the_site_signup_refuses_a_common_password(client):
    answer = client.post(
        "/accounts/signup/",
        {"username": "aziz", "password1": "password", "password2": "password"},
    )

    assert answer.status_code == 400
    assert b"too common" in answer.content
    assert not User.objects.exists()


def token(api, username, password):
    return api.post("/api/auth/token/", {"username": username, "password": password}, format="json")


def test_the_eleventh_attempt_after_ten_failures_is_429_even_with_the_right_password(api):
    UserFactory(username="aziz")

    failures = [token(api, "aziz", f"wrong-{number}").status_code for number in range(10)]
    right = token(api, "aziz", PASSWORD)

    assert failures == [400] * 10
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 14 * 60
    assert "Try again" in right.json()["detail"]
    assert LoginFailure.objects.count() == 10  # refused attempts do not extend the block


def test_nine_failures_still_let_the_right_password_in(api):
    UserFactory(username="aziz")
    for number in range(9):
        token(api, "aziz", f"wrong-{number}")

    assert token(api, "aziz", PASSWORD).status_code == 200


def test_the_block_ends_when_the_window_passes(api):
    UserFactory(username="aziz")
    for number in range(10):
        token(api, "aziz", f"wrong-{number}")
    assert token(api, "aziz", PASSWORD).status_code == 429

    LoginFailure.objects.update(
        created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=15, seconds=1)
    )

    assert token(api, "aziz", PASSWORD).status_code == 200


def test_other_usernames_are_not_blocked(api):
    UserFactory(username="aziz")
    UserFactory(username="bobur")
    for number in range(10):
        token(api, "aziz", f"wrong-{number}")

    assert token(api, "bobur", PASSWORD).status_code == 200


def test_the_website_counts_the_same_attempts_and_answers_429(api, client):
    UserFactory(username="aziz")
    for number in range(5):
        token(api, "AZIZ", f"wrong-{number}")  # usernames are one account in any case
    for number in range(5):
        page = client.post("/accounts/login/", {"username": "aziz", "password": f"bad-{number}"})
        assert page.status_code == 200  # the form's own error

    site = client.post("/accounts/login/", {"username": "aziz", "password": PASSWORD})
    via_api = token(api, "aziz", PASSWORD)

    assert site.status_code == 429
    assert b"Too many failed sign-in attempts" in site.content
    assert "_auth_user_id" not in client.session
    assert via_api.status_code == 429


def test_the_admin_login_is_refused_while_blocked(api, client):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    for number in range(10):
        token(api, "boss", f"wrong-{number}")

    client.post("/admin/login/", {"username": "boss", "password": PASSWORD})

    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("body", ["[]", '"aziz"', "[1, 2]", '{"username": ["aziz"]}'])
def test_a_token_request_that_is_not_an_object_is_a_400(api, body):
    answer = api.post("/api/auth/token/", body, content_type="application/json")

    assert answer.status_code == 400
