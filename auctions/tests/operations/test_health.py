"""GET /healthz and /readyz (CONTRACT 11), in-process and with the database down."""

import pytest
import requests
from django.db import connection

from auctions.tests.operations.server import free_port, gunicorn

pytestmark = pytest.mark.django_db


def test_healthz_answers_200(client):
    answer = client.get("/healthz")

    assert answer.status_code == 200


def test_readyz_answers_200_when_migrated(client):
    answer = client.get("/readyz")

    assert answer.status_code == 200
    assert answer.json() == {"ready": True}


def test_readyz_answers_503_while_a_migration_is_unapplied(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'auctions' AND name = '0001_initial'"
        )

    answer = client.get("/readyz")

    assert answer.status_code == 503
    assert "auctions.0001_initial" in answer.json()["unapplied_migrations"]


def test_probes_are_answered_for_any_host_over_plain_http(client, settings):
    settings.ALLOWED_HOSTS = ["kvartirabar.uz"]
    settings.SECURE_SSL_REDIRECT = True

    answer = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert answer.status_code == 200


def test_with_the_database_down_healthz_is_200_and_readyz_503():
    closed = free_port()  # nothing listens there: every connection is refused
    environment = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/kvartirabar"}

    with gunicorn(environment, "--workers", "1") as (base, _):
        health = requests.get(f"{base}/healthz", timeout=10)
        ready = requests.get(f"{base}/readyz", timeout=10)

    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.json() == {"ready": False, "database": "unavailable"}
