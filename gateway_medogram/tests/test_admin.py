"""The admin: read-only payments and logs, searchable; user data decrypted for superusers only."""

import pytest
from django.test import Client

from auctions.tests.factories import UserFactory
from gateway_medogram.sandbox import profile_for

pytestmark = pytest.mark.django_db
CALLBACK = "/api/payments/medogram/callback/"


def admin_client(*, superuser: bool) -> Client:
    from django.contrib.auth.models import Permission

    user = UserFactory(username="boss" if superuser else "clerk", is_staff=True)
    user.is_superuser = superuser
    user.save()
    if not superuser:
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=["gateway_medogram", "auctions"])
        )
    client = Client()
    client.force_login(user)
    return client


def test_superuser_sees_decrypted_user_data_staff_does_not(paid_at_gateway, seller):
    payment, _ = paid_at_gateway
    medogram = payment.medogram
    last_name = profile_for(seller.phone)["last_name"]
    url = f"/admin/gateway_medogram/medogrampayment/{medogram.pk}/change/"

    boss = admin_client(superuser=True).get(url)
    clerk = admin_client(superuser=False).get(url)

    assert boss.status_code == clerk.status_code == 200
    assert last_name in boss.content.decode()
    assert last_name not in clerk.content.decode()
    assert "shown to superusers only" in clerk.content.decode()


def test_payment_admin_shows_the_medogram_inline(paid_at_gateway, seller):
    payment, _ = paid_at_gateway
    last_name = profile_for(seller.phone)["last_name"]

    page = admin_client(superuser=False).get(f"/admin/auctions/auctionpayment/{payment.pk}/change/")

    assert page.status_code == 200
    assert payment.medogram.id_get in page.content.decode()
    assert last_name not in page.content.decode()


@pytest.mark.parametrize("field", ["merchant_trans_id", "id_get", "trans_id", "tracking_code"])
def test_search_by_every_id(paid_at_gateway, client, field):
    payment, query = paid_at_gateway
    client.get(CALLBACK, query)
    medogram = payment.medogram
    medogram.refresh_from_db()
    term = payment.merchant_trans_id if field == "merchant_trans_id" else getattr(medogram, field)
    boss = admin_client(superuser=True)

    payments = boss.get("/admin/gateway_medogram/medogrampayment/", {"q": term})
    logs = boss.get("/admin/gateway_medogram/medogrampaymentlog/", {"q": term})

    assert payments.status_code == logs.status_code == 200
    assert [row.payment_id for row in payments.context["cl"].result_list] == [payment.pk]
    assert logs.context["cl"].result_count >= 1
    assert {row.merchant_trans_id for row in logs.context["cl"].result_list} == {
        payment.merchant_trans_id
    }


def test_rows_are_read_only(paid_at_gateway):
    payment, _ = paid_at_gateway
    boss = admin_client(superuser=True)

    assert boss.get("/admin/gateway_medogram/medogrampayment/add/").status_code == 403
    assert boss.post(
        f"/admin/gateway_medogram/medogrampayment/{payment.medogram.pk}/change/",
        {"trans_id": "forged"},
    ).status_code in (403, 200)
    payment.medogram.refresh_from_db()
    assert payment.medogram.trans_id == ""
