"""Starting a Medogram payment: the profile fetch, create, and a gateway that cannot open it."""

import pytest

from auctions.models import PaymentEvent
from auctions.models import PaymentStatus as Status
from auctions.tests.factories import AuctionFactory, UserFactory
from gateway_medogram import crypto
from gateway_medogram.models import LogKind, MedogramPayment, MedogramPaymentLog
from gateway_medogram.sandbox import profile_for

pytestmark = pytest.mark.django_db


def test_gateway_down_answers_502_and_fails_the_payment(
    dead_gateway, seller_api, auction, settings
):
    answer = seller_api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "medogram"}, format="json"
    )

    assert answer.status_code == 502
    assert "Medogram gateway could not open the payment" in answer.json()["detail"]
    medogram = MedogramPayment.objects.get()
    payment = medogram.payment
    assert payment.status == Status.FAILED
    assert medogram.id_get is None
    event = PaymentEvent.objects.get(payment=payment)
    assert (event.to_status, event.reference["reason"]) == (Status.FAILED, "unreachable")
    errors = MedogramPaymentLog.objects.filter(kind=LogKind.ERROR, payment=medogram)
    assert sorted(errors.values_list("payload__call", flat=True)) == ["create", "user_info"]
    create = errors.get(payload__call="create")
    assert create.payload["reason"] == "unreachable"
    assert create.payload["request"]["api"] == "***"
    assert create.merchant_trans_id == payment.merchant_trans_id


@pytest.mark.parametrize(("mode", "reason"), [("error", "error_code"), ("garbage", "bad_answer")])
def test_create_error_code_or_garbage_answers_502(start_medogram, sandbox, mode, reason):
    sandbox.set_mode(mode)

    answer, payment = start_medogram()

    assert answer.status_code == 502
    payment.refresh_from_db()
    assert payment.status == Status.FAILED
    create = MedogramPaymentLog.objects.get(kind=LogKind.ERROR, payload__call="create")
    assert create.payload["reason"] == reason
    if mode == "error":
        assert create.payload["code"] == -3


def test_profile_is_fetched_by_phone_and_stored_only_encrypted(start_medogram, seller):
    answer, payment = start_medogram()

    assert answer.status_code == 201
    medogram = payment.medogram
    profile = profile_for(seller.phone)
    assert crypto.decrypt_json(medogram.user_data) == profile
    for value in profile.values():
        assert value not in medogram.user_data
    fetch = MedogramPaymentLog.objects.get(kind=LogKind.USER_FETCH)
    assert fetch.payload["request"] == {
        "identifier": "***",
        "identifier_kind": "phone",
        "source": "kvartirabar",
    }
    assert fetch.payload["answer"]["fields_returned"] == sorted(profile)
    assert fetch.payload["stored_encrypted"] is True


def test_seller_without_phone_is_looked_up_by_username(api, sandbox):
    seller = UserFactory(username="nophone", phone="")
    auction = AuctionFactory(seller=seller, listing__owner=seller)
    api.force_authenticate(seller)

    answer = api.post(
        f"/api/auctions/{auction.pk}/payments/", {"provider": "medogram"}, format="json"
    )

    assert answer.status_code == 201
    medogram = MedogramPayment.objects.get(payment__auction=auction)
    assert crypto.decrypt_json(medogram.user_data)["mobile"] == "nophone"
    fetch = MedogramPaymentLog.objects.get(kind=LogKind.USER_FETCH)
    assert fetch.payload["request"]["identifier_kind"] == "username"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("error", "error_code"), ("garbage", "bad_answer"), ("drop", "unreachable")],
)
def test_user_info_failure_does_not_block_the_payment(start_medogram, sandbox, mode, reason):
    sandbox.set_mode(mode, only="user_info")

    answer, payment = start_medogram()

    assert answer.status_code == 201
    payment.refresh_from_db()
    assert payment.status == Status.PROCESSING
    assert payment.medogram.user_data == ""
    assert payment.medogram.id_get
    error = MedogramPaymentLog.objects.get(kind=LogKind.ERROR)
    assert (error.payload["call"], error.payload["reason"]) == ("user_info", reason)
    assert not MedogramPaymentLog.objects.filter(kind=LogKind.USER_FETCH).exists()
    assert MedogramPaymentLog.objects.filter(kind=LogKind.REQUEST).count() == 1
