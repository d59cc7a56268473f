"""A provider whose settings are missing is not offered, and says so at start-up (CONTRACT 6)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auctions.models import AuctionPayment
from payments_click.models import ClickTransaction
from payments_click.tests.signed_client import ClickClient
from payments_payme.tests.payme_client import PaymeClient, error_code

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {
    "click": ["CLICK_SERVICE_ID", "CLICK_MERCHANT_ID", "CLICK_SECRET_KEY"],
    "payme": ["PAYME_MERCHANT_ID", "PAYME_KEY"],
    "medogram": ["MEDOGRAM_API_KEY"],
}
EACH_SETTING = [(provider, name) for provider, names in SETTINGS.items() for name in names]


@pytest.mark.parametrize(("provider", "name"), EACH_SETTING)
def test_starting_a_payment_with_it_is_400_as_for_an_unknown_provider(
    seller_api, auction, settings, provider, name
):
    setattr(settings, name, "")

    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": provider}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("Unknown provider")
    assert provider not in answer.json()["detail"].split(":", 1)[1]
    assert not AuctionPayment.objects.exists()


@pytest.mark.parametrize(("provider", "name"), EACH_SETTING)
def test_the_pay_page_leaves_it_out(client, seller, auction, settings, provider, name):
    setattr(settings, name, " ")  # blank counts as missing
    client.force_login(seller)

    page = client.get(f"/my/auctions/{auction.pk}/pay/").content.decode()

    assert f'value="{provider}"' not in page
    others = {other for other in SETTINGS if other != provider}
    assert all(f'value="{other}"' in page for other in others)


def test_click_callbacks_still_answer_refusing(client, make_payment, settings):
    payment = make_payment("click")
    settings.CLICK_MERCHANT_ID = ""

    answer = ClickClient(client).prepare(payment)

    assert answer["error"] == -8
    assert not ClickTransaction.objects.exists()


def test_payme_callbacks_still_answer_refusing(client, make_payment, settings):
    payment = make_payment("payme")
    settings.PAYME_MERCHANT_ID = ""

    answer = PaymeClient(client).check_perform(payment)

    assert error_code(answer) == -32504


def test_medogram_callbacks_still_answer_refusing(client, make_payment, settings):
    settings.MEDOGRAM_API_KEY = ""

    answer = client.get(
        "/api/payments/medogram/callback/",
        {"trans_id": "1", "id_get": "1001"},
        headers={"Accept": "application/json"},
    )

    assert answer.status_code == 400
    assert answer.json()["status"] == "invalid"


def test_start_up_logs_one_line_naming_each_missing_setting():
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLICK_", "PAYME_", "MEDOGRAM_", "KVARTIRABAR_"))
    }
    environment |= {"DEBUG": "1", "PAYME_KEY": "set", "DJANGO_SETTINGS_MODULE": "config.settings"}
    script = (
        "import config.wsgi\n"
        "from auctions.providers import report_missing_settings\n"
        "report_missing_settings()\n"  # a second call in the same process logs nothing
    )

    started = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    lines = [line for line in started.stderr.splitlines() if "missing settings" in line]
    assert len(lines) == 1, started.stderr
    for name in ("CLICK_SERVICE_ID", "CLICK_MERCHANT_ID", "CLICK_SECRET_KEY"):
        assert name in lines[0]
    assert "PAYME_MERCHANT_ID" in lines[0]
    assert "PAYME_KEY" not in lines[0]
    assert "MEDOGRAM_API_KEY" in lines[0]
