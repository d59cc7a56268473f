import pytest
from django.test import Client

from payments_payme import protocol

from .factories import PaymePaymentFactory
from .payme_client import PaymeClient

TEST_KEY = "TEST_KEY_123"


@pytest.fixture(autouse=True)
def payme_settings(settings):
    settings.PAYME_KEY = TEST_KEY
    settings.PAYME_MERCHANT_ID = "000000000000000000000001"
    settings.PAYME_ACCOUNT_FIELD = "order_id"
    settings.PAYME_FISCAL_IKPU = ""
    settings.PAYME_ALLOWED_IPS = []
    settings.PAYME_TEST_MODE = False
    settings.SITE_URL = ""
    return settings


@pytest.fixture(autouse=True)
def fresh_key_cache():
    # The per-process key cache outlives each test's rolled-back database.
    protocol._key_cache.invalidate()
    yield
    protocol._key_cache.invalidate()


@pytest.fixture
def payme(db):
    # CSRF enforced as for a real server-to-server POST: the endpoint must be exempt.
    return PaymeClient(Client(enforce_csrf_checks=True))


@pytest.fixture
def payme_payment(auction):
    """Account A: a pending Payme payment of the seller's unpaid auction."""
    return PaymePaymentFactory(auction=auction)


@pytest.fixture
def other_payme_payment(db):
    """Account B: a pending Payme payment of another unpaid auction."""
    return PaymePaymentFactory()
