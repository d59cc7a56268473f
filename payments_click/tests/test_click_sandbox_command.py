"""`manage.py click_sandbox` runs as its own process with the site's CLICK_* settings."""

import requests

from auctions.tests.sandbox_process import failed_start, sandbox_process

ENV = {
    "CLICK_SERVICE_ID": "424242",
    "CLICK_MERCHANT_ID": "555",
    "CLICK_SECRET_KEY": "command-secret",
    "SITE_URL": "http://127.0.0.1:9",
}


def test_the_command_serves_the_page_with_the_settings_and_the_fault():
    with sandbox_process("click_sandbox", "--fault", "repeat", env=ENV) as base:
        state = requests.get(f"{base}/__sandbox__/state", timeout=5).json()
        page = requests.get(
            f"{base}/services/pay",
            params={
                "service_id": "424242",
                "merchant_id": "555",
                "amount": "50000.00",
                "transaction_param": "AUCTION_A1B2C3D4E5F6G7H8I9J0",
            },
            timeout=5,
        )

    assert (state["fault"], state["site"]) == ("repeat", "http://127.0.0.1:9")
    assert page.status_code == 200
    assert "AUCTION_A1B2C3D4E5F6G7H8I9J0" in page.text
    assert "command-secret" not in page.text


def test_site_option_overrides_site_url():
    with sandbox_process("click_sandbox", "--site", "http://127.0.0.1:7/", env=ENV) as base:
        state = requests.get(f"{base}/__sandbox__/state", timeout=5).json()
    assert state["site"] == "http://127.0.0.1:7"


def test_an_unknown_fault_is_refused():
    code, stderr = failed_start("click_sandbox", "--fault", "bad_key")
    assert code != 0
    assert "fault must be one of" in stderr
