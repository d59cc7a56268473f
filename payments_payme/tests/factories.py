import factory

from auctions.tests.factories import AuctionFactory, PaymentFactory
from payments_payme.models import PaymeTransaction, TransactionState

from .payme_client import now_ms


class PaymePaymentFactory(PaymentFactory):
    """A pending Payme payment of its own unpaid auction."""

    auction = factory.SubFactory(AuctionFactory)
    provider = "payme"


class PaymeTransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymeTransaction

    payme_id = factory.Sequence(lambda n: f"{n:024x}")
    payment = factory.SubFactory(PaymePaymentFactory)
    amount = factory.LazyAttribute(lambda o: int(o.payment.amount * 100))
    time = factory.LazyFunction(now_ms)
    create_time = factory.LazyFunction(now_ms)
    state = TransactionState.CREATED
