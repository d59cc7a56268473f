import factory

from auctions.models import PaymentStatus
from auctions.tests.factories import PaymentFactory
from payments_click.models import ClickTransaction, ClickTransactionStatus


class ClickPaymentFactory(PaymentFactory):
    """A pending Click payment of the listing fee for a new, unpaid auction."""

    provider = "click"
    currency = "UZS"


class ClickTransactionFactory(factory.django.DjangoModelFactory):
    """A prepared Click attempt on a processing payment, as our Prepare leaves it."""

    class Meta:
        model = ClickTransaction

    click_trans_id = factory.Sequence(lambda n: 7_000_000 + n)
    click_paydoc_id = factory.Sequence(lambda n: 8_000_000 + n)
    payment = factory.SubFactory(ClickPaymentFactory, status=PaymentStatus.PROCESSING)
    amount = factory.SelfAttribute("payment.amount")
    action = 0
    sign_time = "2025-01-15 10:30:00"
    status = ClickTransactionStatus.PREPARED
