from django.apps import AppConfig


class PaymeConfig(AppConfig):
    name = "payments_payme"
    verbose_name = "Payme"
