from django.apps import AppConfig
from django.conf import settings


def medogram_fee():
    return settings.MEDOGRAM_FEE_RIAL


class MedogramConfig(AppConfig):
    name = "gateway_medogram"
    verbose_name = "Medogram gateway"

    def ready(self):
        from auctions.providers import PaymentProvider, register

        from . import checks, operations, services  # noqa: F401 -- checks registers checks

        register(
            PaymentProvider(
                name="medogram",
                currency="IRR",
                amount=medogram_fee,
                start=services.start,
                pay_url=services.pay_url,
                label="Medogram",
                reconcile=operations.reconcile,
                refund=operations.refund,
                timeline=operations.timeline,
                required_settings=("MEDOGRAM_API_KEY",),
            )
        )
