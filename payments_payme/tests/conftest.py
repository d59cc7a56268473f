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


@pytest.fixture
def subscribe(settings):
    """The Subscribe API fake on a loopback port; PAYME_SUBSCRIBE_URL points at it."""
    from payments_payme.sandbox_subscribe import SubscribeAPI

    from .subscribe_server import SubscribeServer

    keys = {"current": TEST_KEY}
    api = SubscribeAPI(settings.PAYME_MERCHANT_ID, lambda: keys["current"], "")
    api.keys = keys
    server = SubscribeServer(api)
    settings.PAYME_SUBSCRIBE_URL = server.url
    yield api
    server.stop()


@pytest.fixture
def dead_subscribe(settings):
    """A loopback port nothing listens on: Payme cannot be reached."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PAYME_SUBSCRIBE_URL = f"http://127.0.0.1:{port}/api"


@pytest.fixture
def card_of(subscribe, settings):
    """card_of(user) -> a SavedCard added through the API with a token verified at the fake."""
    from rest_framework.test import APIClient

    from payments_payme.models import SavedCard

    from .subscribe_server import verified_token

    def add(user, number: str = "8600 0691 9540 6311"):
        client = APIClient()
        client.force_authenticate(user)
        token = verified_token(settings.PAYME_SUBSCRIBE_URL, settings.PAYME_MERCHANT_ID, number)
        answer = client.post("/api/cards/", {"token": token}, format="json")
        assert answer.status_code == 201, answer.content
        return SavedCard.objects.get(pk=answer.json()["id"])

    return add
