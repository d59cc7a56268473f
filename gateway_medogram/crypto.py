"""Moved to auctions.crypto (shared with the Payme saved cards); kept as an alias."""

from auctions.crypto import (  # noqa: F401 -- re-exported for existing imports
    DecryptionError,
    decrypt_json,
    decrypt_text,
    encrypt_json,
    encrypt_text,
    fernet,
    rotate,
)
