"""Provider callbacks skip the site middleware; everything else keeps it."""

import base64
import json

import pytest

pytestmark = pytest.mark.django_db


def payme_post(client, path, key):
    auth = base64.b64encode(f"Paycom:{key}".encode()).decode()
    return client.post(
        path,
        json.dumps({"jsonrpc": "2.0", "id": 7, "method": "CheckTransaction", "params": {}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
        HTTP_ACCEPT_LANGUAGE="ru",
    )


@pytest.mark.parametrize("path", ["/api/payments/payme/", "/api/payments/payme"])
def test_payme_answers_with_or_without_the_slash_and_without_site_middleware(
    client, settings, path
):
    settings.PAYME_KEY = "TEST_KEY_123"

    answer = payme_post(client, path, "TEST_KEY_123")

    assert answer.status_code == 200
    assert answer.json()["error"]["code"] == -32600  # params without an id
    assert "Content-Language" not in answer.headers  # LocaleMiddleware skipped
    assert not answer.cookies  # no session, no CSRF cookie


def test_click_skips_site_middleware_but_keeps_security_headers(client):
    answer = client.post("/api/auctions/click/prepare/", {}, HTTP_ACCEPT_LANGUAGE="uz")

    assert answer.json()["error"] == -8
    assert "Content-Language" not in answer.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware ran


def test_the_site_keeps_its_middleware(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")

    assert page.headers["Content-Language"] == "ru"
