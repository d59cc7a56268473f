"""Saved cards (CONTRACT 9): POST/GET/DELETE /api/cards/ against the Subscribe API fake."""

import logging

import pytest
from django.test import Client
from rest_framework.test import APIClient

from auctions import crypto
from auctions.tests.factories import UserFactory
from payments_payme import cards
from payments_payme import subscribe as subscribe_client
from payments_payme.models import SavedCard

from .payme_client import PaymeClient
from .subscribe_server import client_call, verified_token

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_verified_token_is_saved_encrypted_and_never_shown_again(
    subscribe, settings, bidder, caplog
):
    caplog.set_level(logging.DEBUG)
    token = verified_token(settings.PAYME_SUBSCRIBE_URL, settings.PAYME_MERCHANT_ID)

    answer = api_for(bidder).post("/api/cards/", {"token": token}, format="json")

    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"id", "number", "expire", "created_at"}
    assert (body["number"], body["expire"]) == ("860006******6311", "03/99")
    card = SavedCard.objects.get(pk=body["id"])
    assert token not in card.token_encrypted
    assert crypto.decrypt_text(card.token_encrypted) == token
    listed = api_for(bidder).get("/api/cards/")
    assert token not in listed.content.decode()
    assert token not in caplog.text
    assert subscribe.calls["cards.check"] == 1


def test_the_server_signs_with_merchant_id_and_key(subscribe, settings, bidder):
    token = verified_token(settings.PAYME_SUBSCRIBE_URL, settings.PAYME_MERCHANT_ID)
    subscribe.keys["current"] = "another-key"  # Payme now expects a key we do not hold

    answer = api_for(bidder).post("/api/cards/", {"token": token}, format="json")

    assert answer.status_code == 502  # -32504: Payme refused our server, not the card
    assert not SavedCard.objects.exists()


def test_after_change_password_the_new_key_signs_our_calls(subscribe, settings, bidder, db):
    payme = PaymeClient(Client(enforce_csrf_checks=True))
    assert "result" in payme.call("ChangePassword", {"password": "NEW-cashbox-KEY-42"})
    subscribe.keys["current"] = "NEW-cashbox-KEY-42"
    token = verified_token(settings.PAYME_SUBSCRIBE_URL, settings.PAYME_MERCHANT_ID)

    answer = api_for(bidder).post("/api/cards/", {"token": token}, format="json")

    assert answer.status_code == 201
    assert subscribe_client.current_key() == "NEW-cashbox-KEY-42"


def test_an_unverified_or_unknown_token_is_refused(subscribe, settings, bidder):
    created = client_call(
        settings.PAYME_SUBSCRIBE_URL,
        settings.PAYME_MERCHANT_ID,
        "cards.create",
        {"card": {"number": "8600069195406311", "expire": "0399"}, "save": True},
    )
    unverified = created["result"]["card"]["token"]

    first = api_for(bidder).post("/api/cards/", {"token": unverified}, format="json")
    second = api_for(bidder).post("/api/cards/", {"token": "no-such-token"}, format="json")

    assert (first.status_code, second.status_code) == (400, 400)
    assert "verified" in first.json()["detail"]
    assert second.json()["detail"] == "Card not found"
    assert not SavedCard.objects.exists()


def test_payme_unreachable_answers_502(dead_subscribe, bidder):
    answer = api_for(bidder).post("/api/cards/", {"token": "some-token"}, format="json")

    assert answer.status_code == 502
    assert not SavedCard.objects.exists()


def test_unconfigured_payme_refuses_with_400(settings, bidder):
    settings.PAYME_KEY = ""

    answer = api_for(bidder).post("/api/cards/", {"token": "some-token"}, format="json")

    assert answer.status_code == 400


def test_list_is_the_callers_newest_first(card_of, bidder):
    other = UserFactory(username="other")
    first, second = card_of(bidder), card_of(bidder, "8600 4954 7331 6478")
    card_of(other)

    listed = api_for(bidder).get("/api/cards/").json()

    assert [row["id"] for row in listed] == [second.pk, first.pk]


def test_delete_removes_at_once_and_at_payme(card_of, bidder, subscribe):
    card = card_of(bidder)

    answer = api_for(bidder).delete(f"/api/cards/{card.pk}/")

    assert answer.status_code == 204
    assert api_for(bidder).get("/api/cards/").json() == []
    card.refresh_from_db()
    assert card.remove_confirmed_at is not None
    assert subscribe.cards[card.token].removed is True


def test_another_users_card_is_404(card_of, bidder):
    card = card_of(UserFactory(username="owner"))

    assert api_for(bidder).delete(f"/api/cards/{card.pk}/").status_code == 404
    assert SavedCard.objects.get(pk=card.pk).removed_at is None


def test_a_removal_payme_did_not_confirm_is_retried_by_the_job(card_of, bidder, subscribe):
    from auctions import tasks

    card = card_of(bidder)
    subscribe.set_fault("unavailable")

    answer = api_for(bidder).delete(f"/api/cards/{card.pk}/")

    assert answer.status_code == 204
    assert api_for(bidder).get("/api/cards/").json() == []  # gone from every list at once
    card.refresh_from_db()
    assert card.remove_confirmed_at is None
    assert tasks.advance_auctions()["cards_removed"] == 0  # still down: tried, not confirmed
    subscribe.set_fault(None)
    assert tasks.advance_auctions()["cards_removed"] == 1
    assert tasks.advance_auctions()["cards_removed"] == 0  # exactly once
    card.refresh_from_db()
    assert card.remove_confirmed_at is not None
    assert card.remove_attempts == 2


def test_the_token_never_reaches_the_admin(card_of, bidder, admin_client):
    card = card_of(bidder)

    page = admin_client.get(f"/admin/payments_payme/savedcard/{card.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert card.token not in text and card.token_encrypted not in text
    assert card.number in text


def test_subscribe_logs_never_carry_the_key_or_token(subscribe, settings, bidder, caplog):
    caplog.set_level(logging.DEBUG)
    token = verified_token(settings.PAYME_SUBSCRIBE_URL, settings.PAYME_MERCHANT_ID)

    cards.add_card(bidder, token)
    with pytest.raises(subscribe_client.Refused):
        subscribe_client.check_card("unknown")

    assert settings.PAYME_KEY not in caplog.text
    assert token not in caplog.text
    assert "cards.check" in caplog.text


def test_rotating_keys_re_encrypts_card_tokens(card_of, bidder, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    card = card_of(bidder)
    token = card.token
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]

    call_command("rotate_encryption_keys")

    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key is gone
    assert SavedCard.objects.get(pk=card.pk).token == token


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"token": "a\x00b"}, {"token": "x" * 5000}, {"token": ["list"]}],
)
def test_bad_card_bodies_are_400_and_nothing_is_stored(subscribe, bidder, body):
    answer = api_for(bidder).post("/api/cards/", body, format="json")

    assert answer.status_code == 400
    assert not SavedCard.objects.exists()
    assert subscribe.calls.get("cards.check", 0) == 0


def test_an_anonymous_caller_has_no_cards(api):
    assert api.get("/api/cards/").status_code in (401, 403)
    assert api.get("/my/cards/").status_code == 302
