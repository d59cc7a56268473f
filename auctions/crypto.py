"""Encryption at rest under settings.FIELD_ENCRYPTION_KEYS: the first key encrypts, all decrypt.

Shared by every app that stores a secret: Medogram profiles, Payme card tokens and keys.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """No configured key opens the token (a key was removed too early, or data is corrupt)."""


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set at least one Fernet key")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not a valid Fernet key"
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("no key in FIELD_ENCRYPTION_KEYS opens this value") from None


def encrypt_json(value) -> str:
    return encrypt_text(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def decrypt_json(token: str):
    return json.loads(decrypt_text(token))


def rotate(token: str) -> str:
    """Re-encrypt a token under the first key (MultiFernet.rotate)."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("no key in FIELD_ENCRYPTION_KEYS opens this value") from None
