"""Random public tokens and their stored digests."""

from __future__ import annotations

import hashlib
import secrets

PUBLIC_ID_BYTES = 12
SECRET_TOKEN_BYTES = 32


def new_public_id(prefix: str) -> str:
    """An opaque id for URLs and webhooks, like ``mer_3kq...`` (96 random bits)."""
    return f"{prefix}_{secrets.token_urlsafe(PUBLIC_ID_BYTES)}"


def new_secret_token() -> str:
    """A bearer token for a link sent by email (256 random bits)."""
    return secrets.token_urlsafe(SECRET_TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What we store instead of a bearer token, so a database leak does not leak the links."""
    return hashlib.sha256(token.encode()).hexdigest()
