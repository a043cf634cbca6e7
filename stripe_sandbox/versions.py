"""The Stripe API versions the sandbox knows.

Every response is rendered in one shape: that of ``API_VERSION``, which is also each account's
default version (what Stripe uses when a request names none). The known versions are those
whose shapes are the same for everything the sandbox serves (the PaymentIntent's
``latest_charge`` arrived in 2022-11-15, replacing the ``charges`` list), so a request naming
any of them gets what that version would get. A version the sandbox does not know is refused,
in the ``Stripe-Version`` header or as a webhook endpoint's ``api_version``, with the error
Stripe gives for a version that does not exist.
"""

from __future__ import annotations

API_VERSION = "2026-10-28.endive"
KNOWN_VERSIONS = frozenset(
    {
        "2022-11-15",
        "2023-08-16",
        "2023-10-16",
        "2024-04-10",
        "2024-06-20",
        "2024-09-30.acacia",
        "2024-10-28.acacia",
        "2024-11-20.acacia",
        "2024-12-18.acacia",
        "2025-01-27.acacia",
        "2025-02-24.acacia",
        "2025-03-31.basil",
        "2025-04-30.basil",
        "2025-05-28.basil",
        "2025-06-30.basil",
        "2025-07-30.basil",
        "2025-08-27.basil",
        "2025-09-30.clover",
        "2025-10-29.clover",
        API_VERSION,
    }
)


def is_known(version: str) -> bool:
    return version in KNOWN_VERSIONS
