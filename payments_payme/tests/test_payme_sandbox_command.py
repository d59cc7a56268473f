"""`manage.py payme_sandbox` runs as its own process with the site's PAYME_* settings."""

import base64

import requests

from auctions.tests.sandbox_process import failed_start, sandbox_process

ENV = {
    "PAYME_MERCHANT_ID": "5e730e8e0b852a417aa49ceb",
    "PAYME_KEY": "command-key",
    "SITE_URL": "http://127.0.0.1:9",
}


def test_the_command_serves_the_checkout_with_the_settings_and_the_fault():
    link = base64.b64encode(
        b"m=5e730e8e0b852a417aa49ceb;ac.order_id=AUCTION_A1B2C3D4E5F6G7H8I9J0;a=5000000"
    ).decode()
    with sandbox_process("payme_sandbox", "--fault", "timeout", env=ENV) as base:
        state = requests.get(f"{base}/__sandbox__/state", timeout=5).json()
        page = requests.get(f"{base}/{link}", timeout=5)

    assert (state["fault"], state["site"]) == ("timeout", "http://127.0.0.1:9")
    assert page.status_code == 200
    assert "AUCTION_A1B2C3D4E5F6G7H8I9J0" in page.text
    assert "50,000 UZS" in page.text
    assert "command-key" not in page.text


def test_an_unknown_fault_is_refused():
    code, stderr = failed_start("payme_sandbox", "--fault", "bad_sign")
    assert code != 0
    assert "fault must be one of" in stderr
