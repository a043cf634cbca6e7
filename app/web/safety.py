"""Small guards for values that come from the browser."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(candidate: str | None, fallback: str = "/") -> str:
    """A redirect target that stays on this site: a path, never a scheme or another host."""
    if not candidate:
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not candidate.startswith("/") or candidate.startswith("//"):
        return fallback
    if "\\" in candidate or any(ord(ch) < 32 for ch in candidate):
        return fallback
    return candidate
