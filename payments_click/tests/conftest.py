import logging

import pytest

from payments_click.tests.signed_client import (
    MERCHANT_ID,
    SECRET,
    SERVICE_ID,
    URL_SETS,
    ClickClient,
)


@pytest.fixture(autouse=True)
def click_settings(settings):
    """The merchant panel of PROVIDERS.md 1.3's vectors: service 12345, key TESTSECRET."""
    settings.CLICK_SERVICE_ID = SERVICE_ID
    settings.CLICK_SECRET_KEY = SECRET
    settings.CLICK_MERCHANT_ID = MERCHANT_ID
    settings.CLICK_MERCHANT_USER_ID = ""
    settings.SITE_URL = ""
    return settings


@pytest.fixture
def click(client):
    """Click's servers, posting form-encoded to the canonical URLs."""
    return ClickClient(client)


@pytest.fixture(params=sorted(URL_SETS))
def click_any_url(request, client):
    """Click's servers on each URL set of CONTRACT 3 in turn."""
    return ClickClient(client, URL_SETS[request.param])


@pytest.fixture
def payment(make_payment):
    """A pending Click payment of the 50 000 sum fee; its auction starts in an hour."""
    return make_payment("click")


@pytest.fixture
def payments_log(caplog):
    """Capture the `payments` logger (it does not propagate to the root logger)."""
    logger = logging.getLogger("payments")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="payments")
    yield caplog
    logger.removeHandler(caplog.handler)


MERCHANT_USER_ID = "777"


class ClickMerchant:
    """The running Merchant API fake and its ledger, which a test fills as Click would."""

    def __init__(self, api, base_url):
        self.api = api
        self.ledger = api.ledger
        self.base_url = base_url

    def record(self, payment, *, status="paid", payment_id=None, paydoc_id=None, created=None):
        """Put `payment` in Click's ledger as Click would know it; returns the entry."""
        created = created or payment.created_at
        entry = {
            "payment_id": payment_id or 9_000_000 + payment.pk,
            "paydoc_id": paydoc_id or 9_000_000 + payment.pk,
            "amount": f"{payment.amount:.2f}",
            "status": status,
            "service_id": SERVICE_ID,
            "created_ms": int(created.timestamp() * 1000),
        }
        self.ledger[payment.merchant_trans_id] = entry
        return entry


@pytest.fixture
def click_merchant(click_settings):
    """Click's Merchant API fake on a loopback port; CLICK_MERCHANT_API_URL points at it."""
    from payments_click.sandbox_merchant import MerchantAPI
    from payments_click.tests.merchant_server import serve

    api = MerchantAPI({}, SERVICE_ID, MERCHANT_USER_ID, SECRET)
    server, thread, base_url = serve(api)
    click_settings.CLICK_MERCHANT_API_URL = base_url
    click_settings.CLICK_MERCHANT_USER_ID = MERCHANT_USER_ID
    yield ClickMerchant(api, base_url)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
