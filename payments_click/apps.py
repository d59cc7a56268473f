from django.apps import AppConfig


class ClickConfig(AppConfig):
    name = "payments_click"
    verbose_name = "Click"

    def ready(self):
        from auctions.providers import PaymentProvider, register

        # No system check for empty CLICK_* settings: `check --deploy` must report nothing
        # (CONTRACT 6); an unconfigured site refuses every callback (-1/-8) and logs it.
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
            )
        )
