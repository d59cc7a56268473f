from django.apps import AppConfig


class ClickConfig(AppConfig):
    name = "payments_click"
    verbose_name = "Click"
