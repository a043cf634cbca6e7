"""One module per Stripe resource; importing this package registers every endpoint."""

from . import (  # noqa: F401 - imported for their endpoint registrations
    accounts,
    balance_transactions,
    billing,
    charges,
    customers,
    disputes,
    events,
    mandates,
    payment_intents,
    payment_methods,
    refunds,
    setup_intents,
    webhook_endpoints,
)
