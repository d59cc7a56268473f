from django.apps import AppConfig


class PaymeConfig(AppConfig):
    name = "payments_payme"
    verbose_name = "Payme"

    def ready(self):
        from django.core import checks

        from auctions.providers import PaymentProvider, register

        from . import protocol, services
        from .checks import check_fiscal_settings

        register(
            PaymentProvider(
                name="payme",
                currency="UZS",
                pay_url=protocol.pay_url,
                label="Payme",
                expire=services.cancel_expired,
                required_settings=protocol.REQUIRED_SETTINGS,
            )
        )
        checks.register(check_fiscal_settings)
