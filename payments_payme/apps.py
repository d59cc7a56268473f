from django.apps import AppConfig


class PaymeConfig(AppConfig):
    name = "payments_payme"
    verbose_name = "Payme"

    def ready(self):
        from django.core import checks

        from auctions import deposit_flow
        from auctions.providers import PaymentProvider, register, register_job

        from . import cards, operations, protocol, services
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
                card_payment=cards.pay_with_card,
                reusable=cards.not_a_card_payment,
                expire=services.cancel_expired,
                required_settings=protocol.REQUIRED_SETTINGS,
            )
        )
        deposit_flow.register_backend(cards.PaymeDeposits())
        register_job("cards_removed", cards.retry_card_removals)
        checks.register(check_fiscal_settings)
