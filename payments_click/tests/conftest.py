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
