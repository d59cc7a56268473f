"""The OpenAPI schema documents the seller API, and its docs page needs no CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db

CONTRACT_PATHS = [
    "/api/auth/register/",
    "/api/auth/token/",
    "/api/listings/",
    "/api/listings/{id}/",
    "/api/auctions/",
    "/api/auctions/{id}/",
    "/api/auctions/{id}/payments/",
    "/api/auctions/{id}/bids/",
    "/api/payments/{merchant_trans_id}/",
    "/api/payments/medogram/",
    "/api/payments/medogram/status/{merchant_trans_id}/",
]


def test_schema_lists_every_seller_api_path(client):
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert answer.status_code == 200
    schema = answer.json()
    assert set(CONTRACT_PATHS) <= set(schema["paths"])
    started = schema["paths"]["/api/auctions/{id}/payments/"]["post"]["responses"]["201"]
    assert started["content"]["application/json"]["schema"]["$ref"].endswith("StartedPayment")


def test_docs_page_loads_its_assets_from_the_site(client):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.content.decode())
    assert sources
    assert not [source for source in sources if source.startswith(("http:", "https:", "//"))]
