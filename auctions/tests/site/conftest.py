"""Fixtures of the website tests: a registered test provider, real images, temp media."""

import io

import pytest
from django.test import Client
from PIL import Image

from auctions import providers


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def test_provider():
    """A provider declared the way provider apps declare themselves."""
    provider = providers.PaymentProvider(
        name="testpay",
        currency="UZS",
        pay_url=lambda payment, request: f"https://pay.example/{payment.merchant_trans_id}",
        label="Test Pay",
    )
    providers.register(provider)
    yield provider
    providers._registry.pop("testpay", None)


def png_bytes(size=(40, 30), color=(11, 110, 79)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def seller_client(seller) -> Client:
    client = Client()
    client.force_login(seller)
    return client


@pytest.fixture
def bidder_client(bidder) -> Client:
    client = Client()
    client.force_login(bidder)
    return client
