from django.apps import AppConfig


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = "Auctions"

    def ready(self):
        from . import checks  # noqa: F401 -- registers the system checks
