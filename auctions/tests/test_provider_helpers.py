"""The helpers every provider app imports from auctions.providers (issue 12 item 6)."""

import pytest
from django.test import RequestFactory

from auctions import providers


@pytest.mark.parametrize(
    ("text", "kept"),
    [("AUCTION_A1", True), ("сум ✓", True), ("a\x00b", False), ("lone \ud800", False)],
)
def test_storable_refuses_nul_and_lone_surrogates(text, kept):
    assert providers.storable(text) is kept


def test_storable_copy_escapes_what_cannot_be_stored_and_keeps_the_rest():
    assert providers.storable_copy("сум ✓") == "сум ✓"
    assert providers.storable_copy("a\x00b") == "a\\x00b"
    assert providers.storable_copy("x\ud800") == "x\\ud800"
    assert providers.storable(providers.storable_copy("\x00\udfff"))


def test_result_url_prefers_site_url_then_the_request(settings):
    path = providers.result_path("AUCTION_A1B2C3D4E5F6G7H8I9J0")
    request = RequestFactory().get("/", HTTP_HOST="example.test")

    settings.SITE_URL = "https://kvartirabar.uz"
    assert providers.result_url("AUCTION_A1B2C3D4E5F6G7H8I9J0") == "https://kvartirabar.uz" + path
    settings.SITE_URL = ""
    assert providers.result_url("AUCTION_A1B2C3D4E5F6G7H8I9J0", request) == (
        "http://example.test" + path
    )
    assert providers.result_url("AUCTION_A1B2C3D4E5F6G7H8I9J0") is None
    assert path.endswith("/AUCTION_A1B2C3D4E5F6G7H8I9J0/")
