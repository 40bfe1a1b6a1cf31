"""Secrets the desk must send on, such as a supplier's order status password, kept encrypted (Fernet).

The key comes from the FIELD_ENCRYPTION_KEY setting: one or more Fernet keys, comma-separated; the
first encrypts and any of them decrypts, so a new key goes first and the old one stays until every
secret was saved again. Without the setting, one key is derived from SECRET_KEY with HKDF-SHA256
(salt and info below, 32 bytes, URL-safe base64), so a desk run locally needs nothing set; in
production set FIELD_ENCRYPTION_KEY, or changing SECRET_KEY leaves the stored secrets unreadable.

    python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DERIVATION_SALT = b"backorder-desk/field-encryption"
DERIVATION_INFO = b"fernet-key-from-secret-key/v1"


class SecretUnreadable(Exception):
    """A stored secret that the configured keys cannot decrypt (the key changed, or the value is not ours)."""


def key_from_secret_key(secret_key: str) -> bytes:
    """Derive a Fernet key from Django's SECRET_KEY (HKDF-SHA256)."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=DERIVATION_SALT, info=DERIVATION_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


@lru_cache(maxsize=8)
def _fernet(configured: str, secret_key: str) -> MultiFernet:
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    try:
        fernets = [Fernet(key) for key in keys] if keys else [Fernet(key_from_secret_key(secret_key))]
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must hold Fernet keys (32 bytes, URL-safe base64), comma-separated."
        ) from error
    return MultiFernet(fernets)


def _keys() -> MultiFernet:
    return _fernet(getattr(settings, "FIELD_ENCRYPTION_KEY", ""), settings.SECRET_KEY)


def encrypt_secret(value: str) -> str:
    """Encrypt a secret for storage; the result is ASCII text."""
    return _keys().encrypt(value.encode()).decode("ascii")


def decrypt_secret(token: str) -> str:
    """Return the secret a stored token holds, or raise SecretUnreadable."""
    try:
        return _keys().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise SecretUnreadable(
            "The stored password cannot be decrypted with the current FIELD_ENCRYPTION_KEY."
        ) from error
