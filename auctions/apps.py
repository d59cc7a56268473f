from django.apps import AppConfig


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = "Auctions"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from . import checks  # noqa: F401 -- registers the system checks
        from .login_limit import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="auctions.login_limit")
