"""What Stripe keeps of a customer for whom Kassa made a Stripe customer (a method saved at a
quote's acceptance): its id in Kassa, and at Stripe the name and email Kassa gave it.

Registered with the customers' export and erasure (customers import no processors code). The
export names each Stripe customer; erasure empties its name and email at Stripe through the
connected account, before anything is erased in Kassa: when Stripe cannot be reached the
erasure is refused (nothing is erased) and the merchant tries again. A Stripe customer of an
account no longer connected cannot be reached from Kassa: the merchant erases it in that
account's dashboard (the export names it). The saved payment methods stay at Stripe, with the
billing details the buyer typed into the payment form, so agreed charges can still be made;
the merchant detaches them in Stripe's dashboard when nothing more is to be charged.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.errors import ServiceError
from app.customers.models import Customer
from app.customers.privacy import register_personal_data
from app.extensions import DbSession
from app.processors.access import connected_gateway
from app.processors.connection import current_connection
from app.processors.customers import clear_personal_data, processor_customers_of
from app.processors.gateway import GatewayError

log = logging.getLogger("kassa.processors")


def export_processor_customers(session: DbSession, customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "stripe_account": row.account_id,
            "stripe_customer": row.processor_customer_id,
            "created_at": row.created_at.isoformat(),
        }
        for row in processor_customers_of(session, customer)
    ]


def erase_processor_customers(session: DbSession, customer: Customer, placeholder: str) -> None:
    rows = processor_customers_of(session, customer)
    if not rows:
        return
    connection = current_connection(session, customer.merchant_id)
    for row in rows:
        if connection is None or row.account_id != connection.account_id:
            log.warning(
                "stripe customer of an account no longer connected kept its name and email",
                extra={"fields": {"customer_id": customer.id, "account": row.account_id}},
            )
            continue
        try:
            clear_personal_data(session, row, connected_gateway(session, customer.merchant_id))
        except GatewayError as error:
            raise ServiceError(
                _l(
                    "Stripe could not be reached to erase this customer's name and email there, "
                    "so nothing was erased. Please try again in a moment."
                )
            ) from error


register_personal_data("stripe_customers", export_processor_customers, erase_processor_customers)
