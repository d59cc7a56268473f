"""System checks: Click callbacks cannot work without the panel's service id and key."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def click_settings_check(app_configs, **kwargs):
    warnings = []
    if not str(settings.CLICK_SERVICE_ID or "").strip():
        warnings.append(
            Warning(
                "CLICK_SERVICE_ID is empty: every Click callback will be refused (-8).",
                hint="Set CLICK_SERVICE_ID to the service id of the Click merchant panel.",
                id="payments_click.W001",
            )
        )
    if not str(settings.CLICK_SECRET_KEY or ""):
        warnings.append(
            Warning(
                "CLICK_SECRET_KEY is empty: every Click callback will be refused (-1).",
                hint="Set CLICK_SECRET_KEY to the secret key of the Click merchant panel.",
                id="payments_click.W002",
            )
        )
    return warnings
