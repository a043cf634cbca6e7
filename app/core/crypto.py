"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from KASSA_SECRET_KEY.

Changing KASSA_SECRET_KEY makes stored secrets unreadable: merchants would have to connect
Stripe again. ``seal``/``unseal`` also carry short-lived values through a browser round trip
(for example keys being verified before they are saved) without showing them in the page.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "decrypt", "encrypt", "seal", "unseal"]


def _fernet(secret_key: str, purpose: bytes) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"kassa:" + purpose
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plaintext: str, secret_key: str) -> str:
    return _fernet(secret_key, b"at-rest").encrypt(plaintext.encode()).decode()


def decrypt(token: str, secret_key: str) -> str:
    """The plaintext; raises ``InvalidToken`` when the key changed or the token was altered."""
    return _fernet(secret_key, b"at-rest").decrypt(token.encode()).decode()


def seal(payload: dict[str, Any], secret_key: str) -> str:
    """An opaque, tamper-proof token for ``payload`` (JSON), readable only by this server."""
    return _fernet(secret_key, b"sealed").encrypt(json.dumps(payload).encode()).decode()


def unseal(token: str, secret_key: str, max_age_seconds: int) -> dict[str, Any]:
    """The payload of a token made by ``seal`` no more than ``max_age_seconds`` ago."""
    data = _fernet(secret_key, b"sealed").decrypt(token.encode(), ttl=max_age_seconds)
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise InvalidToken
    return payload
