"""Operators see Payme transactions read-only, searchable, filterable and inline on the payment."""

import pytest
from django.core import checks

from payments_payme.checks import check_fiscal_settings

from .factories import PaymeTransactionFactory

pytestmark = pytest.mark.django_db


def test_transactions_are_searchable_filterable_and_read_only(admin_client):
    row = PaymeTransactionFactory(payme_id="63f1a0c2e4b0d1a2b3c4d5e1")
    PaymeTransactionFactory(payme_id="63f1a0c2e4b0d1a2b3c4d5e2", state=-1, reason=1)
    url = "/admin/payments_payme/paymetransaction/"

    by_payme_id = admin_client.get(url, {"q": row.payme_id})
    by_merchant_id = admin_client.get(url, {"q": row.payment.merchant_trans_id})
    by_state = admin_client.get(url, {"state__exact": "-1"})
    change = admin_client.get(f"{url}{row.pk}/change/")

    assert by_payme_id.status_code == by_merchant_id.status_code == 200
    assert list(by_payme_id.context["cl"].result_list) == [row]
    assert list(by_merchant_id.context["cl"].result_list) == [row]
    assert [r.payme_id for r in by_state.context["cl"].result_list] == ["63f1a0c2e4b0d1a2b3c4d5e2"]
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert admin_client.get(f"{url}add/").status_code == 403


def test_transactions_show_inline_on_the_payment(admin_client):
    row = PaymeTransactionFactory()

    response = admin_client.get(f"/admin/auctions/auctionpayment/{row.payment.pk}/change/")

    assert response.status_code == 200
    assert row.payme_id in response.content.decode()


def test_fiscal_settings_check(settings):
    settings.PAYME_FISCAL_IKPU = ""
    assert check_fiscal_settings() == []

    settings.PAYME_FISCAL_IKPU = "123"
    settings.PAYME_FISCAL_PACKAGE_CODE = ""
    problems = check_fiscal_settings()

    assert [(type(p), p.id) for p in problems] == [
        (checks.Error, "payments_payme.E001"),
        (checks.Warning, "payments_payme.W001"),
    ]
