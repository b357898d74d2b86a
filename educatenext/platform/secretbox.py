"""Authenticated encryption of small secrets at rest (Fernet: AES-128-CBC with HMAC-SHA256).

Keys come from configuration as high-entropy strings; each is stretched to a Fernet key with
HKDF under a purpose label, so one configured value never doubles as another purpose's key.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class UndecryptableSecretError(Exception):
    """Ciphertext that no configured key opens (tampered, or its key was retired)."""


def fernet_key(secret, purpose):
    """A Fernet key derived from a configured secret for one purpose."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"educatenext:{purpose}".encode()
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


class SecretBox:
    """Encrypts with the current key; decrypts with the current or any previous key."""

    def __init__(self, purpose, current, *previous):
        keys = [current, *(key for key in previous if key)]
        self._fernet = MultiFernet([Fernet(fernet_key(key, purpose)) for key in keys])

    def seal(self, plaintext):
        """Ciphertext (ASCII) of a text."""
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, ciphertext):
        """The text sealed in ciphertext; UndecryptableSecretError when no key opens it."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise UndecryptableSecretError from None
