from django.apps import AppConfig


class ClickConfig(AppConfig):
    name = "payments_click"
    verbose_name = "Click"

    def ready(self):
        from auctions.providers import PaymentProvider, register

        from . import (
            checks,  # noqa: F401 -- registers the system checks
            protocol,
        )

        register(
            PaymentProvider(
                name=protocol.PROVIDER, currency="UZS", pay_url=protocol.pay_url, label="Click"
            )
        )
