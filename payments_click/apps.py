from django.apps import AppConfig


class ClickConfig(AppConfig):
    name = "payments_click"
    verbose_name = "Click"

    def ready(self):
        from auctions.providers import PaymentProvider, register

        # No system check for empty CLICK_* settings: `check --deploy` must report nothing
        # (CONTRACT 6); without them Click is not offered, every callback is refused
        # (-1/-8) and start-up logs what is missing (auctions.providers).
        from . import operations, protocol

        register(
            PaymentProvider(
                name=protocol.PROVIDER,
                currency="UZS",
                pay_url=protocol.pay_url,
                label="Click",
                reconcile=operations.reconcile,
                refund=operations.refund,
                timeline=operations.timeline,
                required_settings=protocol.REQUIRED_SETTINGS,
            )
        )
