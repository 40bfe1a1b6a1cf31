"""Secrets kept encrypted: Fernet under FIELD_ENCRYPTION_KEY, or a key derived from SECRET_KEY; keys rotate."""

import base64

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from core.encryption import SecretUnreadable, decrypt_secret, encrypt_secret, key_from_secret_key

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def test_without_a_key_one_is_derived_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    token = encrypt_secret("s3cret")
    assert "s3cret" not in token
    assert decrypt_secret(token) == "s3cret"
    # the derived key is the documented one: HKDF-SHA256 of SECRET_KEY, 32 bytes, URL-safe base64
    assert Fernet(key_from_secret_key(settings.SECRET_KEY)).decrypt(token.encode()) == b"s3cret"
    assert len(base64.urlsafe_b64decode(key_from_secret_key("x"))) == 32
    # and another SECRET_KEY cannot read it
    settings.SECRET_KEY = "another secret key entirely"
    with pytest.raises(SecretUnreadable):
        decrypt_secret(token)


def test_a_new_key_first_still_reads_what_the_old_key_wrote(settings):
    settings.FIELD_ENCRYPTION_KEY = OLD_KEY
    old_token = encrypt_secret("first password")
    settings.FIELD_ENCRYPTION_KEY = f"{NEW_KEY}, {OLD_KEY}"
    assert decrypt_secret(old_token) == "first password"
    new_token = encrypt_secret("second password")
    assert Fernet(NEW_KEY.encode()).decrypt(new_token.encode()) == b"second password"
    settings.FIELD_ENCRYPTION_KEY = NEW_KEY  # the old key retired: what it wrote is unreadable
    with pytest.raises(SecretUnreadable, match="cannot be decrypted with the current FIELD_ENCRYPTION_KEY"):
        decrypt_secret(old_token)


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY must hold Fernet keys"):
        encrypt_secret("x")


def test_garbage_in_the_column_is_unreadable_not_a_crash(settings):
    settings.FIELD_ENCRYPTION_KEY = NEW_KEY
    for stored in ("plain text", "gAAAAA-truncated", "ünïcode"):
        with pytest.raises(SecretUnreadable):
            decrypt_secret(stored)
