from django.apps import AppConfig


class MedogramConfig(AppConfig):
    name = "gateway_medogram"
    verbose_name = "Medogram gateway"
