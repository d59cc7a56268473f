"""The Medogram sandbox over real HTTP on loopback, and payments started through the API."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from gateway_medogram.sandbox import start_sandbox

API_KEY = "sandbox-api-KEY-5f2c9a71e0"


class Sandbox:
    """The running sandbox, driven over HTTP as a payer's browser and a developer would."""

    def __init__(self, server, base_url):
        self.server = server
        self.base_url = base_url

    def set_mode(self, mode: str, hang: float | None = None, only: str = "") -> None:
        form = {"mode": mode, "only": only} | ({"hang": str(hang)} if hang is not None else {})
        answer = requests.post(f"{self.base_url}/__sandbox__/mode", data=form, timeout=5)
        assert answer.status_code == 200, answer.text

    def state(self) -> dict:
        return requests.get(f"{self.base_url}/__sandbox__/state", timeout=5).json()

    def pay(self, pay_url: str, *, decline: bool = False) -> str:
        """Open the pay page, press Pay (or Decline); return the Location it redirects to."""
        page = requests.get(pay_url, timeout=5)
        assert page.status_code == 200
        button = "decline" if decline else "pay"
        action = pay_url.removesuffix("-get") + f"-{button}"
        assert f'action="{urlsplit(action).path}"' in page.text
        answer = requests.post(action, data={button: "1"}, allow_redirects=False, timeout=5)
        assert answer.status_code == 302
        return answer.headers["Location"]


def callback_query(location: str) -> dict:
    return dict(parse_qsl(urlsplit(location).query))


@pytest.fixture
def sandbox(settings):
    server, thread, base_url = start_sandbox(port=0, api_key=API_KEY)
    settings.MEDOGRAM_URL = base_url
    settings.MEDOGRAM_API_KEY = API_KEY
    settings.MEDOGRAM_REDIRECT_URL = ""
    settings.SITE_URL = ""
    yield Sandbox(server, base_url)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def dead_gateway(settings):
    """A loopback port nothing listens on: every connection is refused."""
    server, thread, base_url = start_sandbox(port=0)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    settings.MEDOGRAM_URL = base_url
    settings.MEDOGRAM_API_KEY = API_KEY
    return base_url


@pytest.fixture
def start_medogram(seller_api, auction, sandbox):
    """start_medogram() -> (answer, payment): the seller starts a Medogram payment via the API."""
    from auctions.models import AuctionPayment

    def start(for_auction=None, client=None):
        target = for_auction or auction
        answer = (client or seller_api).post(
            f"/api/auctions/{target.pk}/payments/", {"provider": "medogram"}, format="json"
        )
        payment = AuctionPayment.objects.filter(auction=target, provider="medogram").first()
        return answer, payment

    return start


@pytest.fixture
def paid_at_gateway(start_medogram, sandbox):
    """A processing payment its payer has paid on the sandbox page; returns (payment, query)."""
    answer, payment = start_medogram()
    assert answer.status_code == 201, answer.content
    location = sandbox.pay(answer.json()["pay_url"])
    return payment, callback_query(location)


@pytest.fixture
def payments_log(caplog):
    """Capture the `payments` logger (it does not propagate to the root logger)."""
    import logging

    logger = logging.getLogger("payments")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="payments")
    yield caplog
    logger.removeHandler(caplog.handler)
