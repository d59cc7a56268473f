"""Admin for operations (CONTRACT 11): the payment page, Discrepancies, the index card,
refunds by hand (Medogram) and through Payme's cabinet."""

import pytest
from django.contrib.admin.models import LogEntry

from auctions import payment_flow
from auctions.models import PaymentEvent, Reconciliation
from auctions.models import PaymentStatus as Status
from auctions.tests.admin_refunds import CHANGELIST, refund

pytestmark = pytest.mark.django_db


@pytest.fixture
def charged_twice(make_payment):
    """A Medogram payment the gateway confirmed after a Click payment paid the auction."""
    payment = make_payment("medogram", currency="IRR", status=Status.PROCESSING)
    payment_flow.complete_payment(make_payment("click").pk, cause="test")
    payment_flow.flag_needs_refund(payment.pk, cause="medogram", note="charged twice")
    payment.refresh_from_db()
    return payment


def test_the_payment_page_answers_who_paid_when_and_whether_the_provider_agrees(
    admin_client, make_payment
):
    payment = make_payment("click")
    payment_flow.complete_payment(payment.pk, cause="click", reference={"click_trans_id": 5})
    Reconciliation.objects.create(
        payment=payment, provider="click", our_status="completed", provider_status="paid (2)"
    )

    page = admin_client.get(f"{CHANGELIST}{payment.pk}/change/").content.decode()

    assert "Yes: paid through Click at" in page
    assert "The provider agrees:" in page and "paid (2)" in page
    assert "pending -&gt; completed" in page
    assert 'id="refund-form"' in page  # no bids, not ended: it may be refunded


def test_a_medogram_refund_needs_the_reference_of_the_refund_made_by_hand(
    admin_client, charged_twice
):
    without = refund(admin_client, charged_twice).content.decode()
    charged_twice.refresh_from_db()
    assert charged_twice.status == Status.PROCESSING
    assert "refund the payer by hand" in without

    refund(admin_client, charged_twice, note="bank ref 77120")
    refund(admin_client, charged_twice, note="bank ref 77120")

    charged_twice.refresh_from_db()
    charged_twice.auction.refresh_from_db()
    assert charged_twice.status == Status.REFUNDED
    assert charged_twice.auction.is_paid  # paid by the Click payment: left as it is
    event = PaymentEvent.objects.get(payment=charged_twice, to_status=Status.REFUNDED)
    assert (event.cause, event.reference["note"]) == ("admin_refund", "bank ref 77120")
    assert LogEntry.objects.filter(object_id=str(charged_twice.pk)).count() == 3


def test_a_payme_checkout_refund_points_to_the_merchant_cabinet(admin_client, make_payment):
    payment = make_payment("payme")
    payment_flow.complete_payment(payment.pk, cause="payme")

    page = refund(admin_client, payment).content.decode()

    payment.refresh_from_db()
    assert payment.status == Status.COMPLETED
    assert "merchant cabinet" in page
    assert LogEntry.objects.filter(object_id=str(payment.pk)).count() == 1


def test_a_pending_payment_cannot_be_refunded(admin_client, make_payment):
    payment = make_payment("click")

    page = refund(admin_client, payment).content.decode()
    change = admin_client.get(f"{CHANGELIST}{payment.pk}/change/").content.decode()

    assert "took no money" in page
    assert 'id="refund-form"' not in change
    assert "Not paid: pending (Click)." in change


def test_discrepancies_list_what_reconcile_left_open(admin_client, make_payment):
    open_one, closed_one = make_payment("click"), make_payment("payme")
    Reconciliation.objects.create(
        payment=open_one,
        provider="click",
        our_status="processing",
        provider_status="unreachable: HTTP 502",
        needed="retry",
        is_open=True,
    )
    Reconciliation.objects.create(
        payment=closed_one, provider="payme", our_status="pending", provider_status="no transaction"
    )

    page = admin_client.get("/admin/auctions/discrepancy/").content.decode()

    assert open_one.merchant_trans_id in page and "unreachable: HTTP 502" in page
    assert closed_one.merchant_trans_id not in page


def test_the_index_card_shows_todays_totals_and_open_discrepancies(admin_client, make_payment):
    payment = make_payment("click")
    payment_flow.complete_payment(payment.pk, cause="click")
    Reconciliation.objects.create(
        payment=make_payment("payme"),
        provider="payme",
        our_status="processing",
        provider_status="?",
        is_open=True,
    )

    page = admin_client.get("/admin/").content.decode()

    card = page[page.index('id="operations-card"') :]
    assert "Payments today" in card
    assert "50000.00 UZS" in card
    assert 'discrepancy/">1</a>' in card
