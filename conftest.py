"""Shared fixtures: real database (SQLite or PostgreSQL by DATABASE_URL), real HTTP views."""

import os

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

# Fuzz runs stay bounded so the whole suite keeps within CI's budget.
hypothesis_settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile("ci")

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: SQLite has no row locks; set DATABASE_URL=postgres://..."
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def provider_settings(settings):
    """Every provider configured (CONTRACT 6: an unconfigured one is not offered); a test
    of the unconfigured case empties a setting, and provider tests set their own."""
    for name, value in {
        "CLICK_SERVICE_ID": "12345",
        "CLICK_MERCHANT_ID": "777",
        "CLICK_SECRET_KEY": "TESTSECRET",
        "PAYME_MERCHANT_ID": "000000000000000000000001",
        "PAYME_KEY": "TEST_KEY_123",
        "MEDOGRAM_API_KEY": "test-medogram-key",
    }.items():
        if not getattr(settings, name):
            setattr(settings, name, value)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def seller(db):
    from auctions.tests.factories import UserFactory

    return UserFactory(username="seller", phone="+998901234567")


@pytest.fixture
def bidder(db):
    from auctions.tests.factories import UserFactory

    return UserFactory(username="bidder")


@pytest.fixture
def seller_api(seller):
    client = APIClient()
    client.force_authenticate(seller)
    return client


@pytest.fixture
def auction(seller):
    """An unpaid auction that starts in an hour."""
    from auctions.tests.factories import AuctionFactory

    return AuctionFactory(seller=seller, listing__owner=seller)


@pytest.fixture
def make_payment(auction):
    """make_payment(provider) -> a pending AuctionPayment of `auction` for that provider."""
    from auctions.tests.factories import PaymentFactory

    def make(provider: str, **fields):
        return PaymentFactory(auction=fields.pop("auction", auction), provider=provider, **fields)

    return make


@pytest.fixture
def celery_broker():
    """celery_broker(url): publish for real (not eagerly) to `url` until the test ends."""
    from config.celery import app

    def use(url: str):
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        app._after_fork()  # drop pooled connections to the previous broker

    yield use
    app.conf.task_always_eager = True
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app._after_fork()
