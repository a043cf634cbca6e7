"""Keys derived from KASSA_SECRET_KEY, one per purpose, and secrets at rest (Fernet:
AES-128-CBC + HMAC-SHA256).

No purpose uses the secret itself: each gets its own key by HKDF with the purpose as ``info``
(``derive_key``), so a key that leaks from one use (a session cookie signer, say) opens nothing
else. Flask signs sessions and CSRF tokens with ``session_signing_key``; Stripe secrets are
encrypted with the ``AT_REST`` key; ``seal``/``unseal`` carry short-lived values through a
browser round trip (keys being verified before they are saved) without showing them.

Changing KASSA_SECRET_KEY makes stored secrets unreadable until ``flask kassa
rotate-secret-key`` re-encrypts them with the new one (``Rotation``).
"""

from __future__ import annotations

import base64
import enum
import json
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "InvalidToken",
    "Purpose",
    "Rotation",
    "decrypt",
    "derive_key",
    "encrypt",
    "seal",
    "session_signing_key",
    "unseal",
]


class Purpose(enum.StrEnum):
    """What a derived key is for; the value is its HKDF label (never change one: the values
    stored with that key would become unreadable)."""

    SESSIONS = "sessions"  # Flask's session cookies and CSRF tokens
    AT_REST = "at-rest"  # Stripe secret keys and webhook signing secrets
    SEALED = "sealed"  # short-lived values through a browser round trip
    CHECKOUT_TOKENS = "checkout-tokens"  # buyers' checkout addresses, for emails back to them
    DOCUMENT_TOKENS = "document-tokens"  # customers' invoice (and quote) addresses, for emails


def derive_key(secret_key: str, purpose: Purpose) -> bytes:
    """32 bytes for ``purpose`` from the installation's secret (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"kassa:{purpose}".encode()
    ).derive(secret_key.encode())


def session_signing_key(secret_key: str) -> str:
    """What Flask signs session cookies and CSRF tokens with (its ``SECRET_KEY``)."""
    return derive_key(secret_key, Purpose.SESSIONS).hex()


def _fernet(secret_key: str, purpose: Purpose) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret_key, purpose)))


def encrypt(plaintext: str, secret_key: str, purpose: Purpose = Purpose.AT_REST) -> str:
    return _fernet(secret_key, purpose).encrypt(plaintext.encode()).decode()


def decrypt(token: str, secret_key: str, purpose: Purpose = Purpose.AT_REST) -> str:
    """The plaintext; raises ``InvalidToken`` when the key changed or the token was altered."""
    return _fernet(secret_key, purpose).decrypt(token.encode()).decode()


@dataclass
class Rotation:
    """Stored values re-encrypted from the old secret key to the new one, each counted: the
    rotation is refused (nothing saved) while any value opens with neither key."""

    old_key: str
    new_key: str
    reencrypted: int = 0
    already_new: int = 0  # rotated by an earlier run: running twice is harmless
    unreadable: int = 0

    def rekey(self, token: str, purpose: Purpose) -> str:
        """``token`` encrypted with the new key (unchanged when neither key opens it)."""
        try:
            decrypt(token, self.new_key, purpose)
        except InvalidToken:
            pass
        else:
            self.already_new += 1
            return token
        try:
            plaintext = decrypt(token, self.old_key, purpose)
        except InvalidToken:
            self.unreadable += 1
            return token
        self.reencrypted += 1
        return encrypt(plaintext, self.new_key, purpose)


def seal(payload: dict[str, Any], secret_key: str) -> str:
    """An opaque, tamper-proof token for ``payload`` (JSON), readable only by this server."""
    return _fernet(secret_key, Purpose.SEALED).encrypt(json.dumps(payload).encode()).decode()


def unseal(token: str, secret_key: str, max_age_seconds: int) -> dict[str, Any]:
    """The payload of a token made by ``seal`` no more than ``max_age_seconds`` ago."""
    data = _fernet(secret_key, Purpose.SEALED).decrypt(token.encode(), ttl=max_age_seconds)
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise InvalidToken
    return payload
