from django.apps import AppConfig


class PaymeConfig(AppConfig):
    name = "payments_payme"
    verbose_name = "Payme"

    def ready(self):
        from django.core import checks

        from auctions.providers import PaymentProvider, register

        from . import operations, protocol
        from .checks import check_fiscal_settings

        register(
            PaymentProvider(
                name="payme",
                currency="UZS",
                pay_url=protocol.pay_url,
                label="Payme",
                reconcile=operations.reconcile,
                refund=operations.refund,
                timeline=operations.timeline,
            )
        )
        checks.register(check_fiscal_settings)
