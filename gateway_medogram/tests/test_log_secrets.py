"""Neither the log table nor the `payments` logger ever holds the API key or profile values."""

import json
import logging

import pytest
from django.core import serializers

from auctions.tests.factories import AuctionFactory
from gateway_medogram.models import MedogramPayment, MedogramPaymentLog
from gateway_medogram.sandbox import profile_for
from gateway_medogram.services import mask

from .conftest import API_KEY

pytestmark = pytest.mark.django_db
CALLBACK = "/api/payments/medogram/callback/"


def everything_logged(caplog) -> str:
    rows = serializers.serialize("json", MedogramPaymentLog.objects.all())
    return rows + "\n" + caplog.text


@pytest.mark.parametrize("mode", ["normal", "wrong_amount", "error", "garbage", "drop"])
def test_no_api_key_and_no_profile_values_in_any_log(
    start_medogram, sandbox, client, seller, caplog, mode
):
    caplog.set_level(logging.DEBUG)
    answer, payment = start_medogram()
    location = sandbox.pay(answer.json()["pay_url"])
    sandbox.set_mode(mode)
    client.get(location)
    # And a start that fails outright, with the key in the request.
    sandbox.set_mode(mode if mode in ("error", "garbage", "drop") else "error")
    failed, _ = start_medogram(AuctionFactory(seller=seller, listing__owner=seller))
    assert failed.status_code == 502

    logged = everything_logged(caplog)

    assert MedogramPaymentLog.objects.count() >= 5
    assert API_KEY not in logged
    profile = profile_for(seller.phone)
    for value in profile.values():
        assert value not in logged
    assert seller.phone not in json.dumps(list(MedogramPaymentLog.objects.values("payload")))
    assert "medogram callback merchant_trans_id=" in caplog.text
    stored = MedogramPayment.objects.exclude(user_data="").values_list("user_data", flat=True)
    for token in stored:
        assert all(value not in token for value in profile.values())


def test_gateway_echoing_the_key_is_masked():
    # Error answers are stored as excerpts; a misbehaving gateway might echo the key.
    masked = mask(
        {"api": API_KEY, "note": f"bad key {API_KEY}", "nested": [{"secret_key": 1}]},
        secrets=(API_KEY,),
    )

    assert masked == {"api": "***", "note": "bad key ***", "nested": [{"secret_key": "***"}]}
