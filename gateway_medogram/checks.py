"""System checks: the encryption keys and the gateway settings (CONTRACT 5, 6)."""

from decimal import Decimal

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Warning, register

MAKE_KEY = (
    "Set FIELD_ENCRYPTION_KEYS to comma-separated Fernet keys (the first encrypts); make one "
    "with `python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'`."
)


@register()
def encryption_keys_check(app_configs, **kwargs):
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None)
    if not keys or not isinstance(keys, list | tuple):
        return [
            Error("FIELD_ENCRYPTION_KEYS is missing or empty", hint=MAKE_KEY, id="medogram.E001")
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"FIELD_ENCRYPTION_KEYS: key {position} is not a valid Fernet key",
                    hint=MAKE_KEY,
                    id="medogram.E002",
                )
            )
    return errors


@register()
def gateway_settings_check(app_configs, **kwargs):
    problems = []
    fee = settings.MEDOGRAM_FEE_RIAL
    if not isinstance(fee, Decimal) or fee <= 0 or fee != fee.to_integral_value():
        problems.append(
            Error(
                "MEDOGRAM_FEE_RIAL must be a positive whole number of rial",
                hint="Set MEDOGRAM_FEE_RIAL, e.g. 500000.",
                id="medogram.E003",
            )
        )
    if settings.MEDOGRAM_READ_TIMEOUT < 10:
        problems.append(
            Warning(
                "MEDOGRAM_READ_TIMEOUT is below 10 seconds (CONTRACT 5 asks for at least 10)",
                id="medogram.W001",
            )
        )
    return problems
