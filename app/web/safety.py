"""Small guards for values that come from the browser."""

from __future__ import annotations

import enum
import ipaddress
import re
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


class AddressProblem(enum.StrEnum):
    """Why a paid buyer may not be sent to an address the merchant typed."""

    MALFORMED = "malformed"  # not an absolute web address with a host
    SCHEME = "scheme"  # not https (nor http, where that is allowed)
    USER_INFO = "user_info"  # a user name or password before the host
    IP_ADDRESS = "ip_address"  # a host given as an IP address
    LOCAL_HOST = "local_host"  # localhost: the buyer's own computer


# A host whose last label is a number is an IPv4 address to a browser (the WHATWG URL standard:
# "127.1", "2130706433" and "0x7f.1" all reach 127.0.0.1).
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)


def redirect_address_problem(address: str, *, allow_http: bool) -> AddressProblem | None:
    """Why buyers may not be sent to ``address`` after paying, or None when they may.

    Only ``https`` (``http`` too when ``allow_http``: test payments), with a domain name: no
    user name or password (a phishing staple, and shown to the buyer), no IP address and no
    localhost (the buyer's own machine or network, never a seller's page).
    """
    if any(ch.isspace() or ord(ch) < 32 or ch in '<>"\\' for ch in address):
        return AddressProblem.MALFORMED
    parts = urlsplit(address)
    if parts.scheme.lower() not in (("https", "http") if allow_http else ("https",)):
        return AddressProblem.MALFORMED if not parts.scheme else AddressProblem.SCHEME
    if "@" in parts.netloc:
        return AddressProblem.USER_INFO
    try:
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        return AddressProblem.MALFORMED
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return AddressProblem.MALFORMED
    if parts.netloc.startswith("[") or _is_ip_address(host):
        return AddressProblem.IP_ADDRESS
    if host == "localhost" or host.endswith(".localhost"):
        return AddressProblem.LOCAL_HOST
    return None


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]))
    return True
