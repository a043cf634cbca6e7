"""The Stripe customer of one of the merchant's customers: what a saved method belongs to.

A method saved for later charges (a quote's schedule, subscriptions to come) must belong to a
Stripe customer. Kassa makes one per customer and connected Stripe account the first time it
is needed and keeps only its id (``ProcessorCustomer``), so every later need reuses it. Two
requests needing it at once both ask Stripe with the same idempotency key (from the customer
and the account), so Stripe makes one customer and answers both with it; the unique row keeps
one id, and the loser of the insert reads the winner's.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.customers.models import Customer
from app.extensions import DbSession
from app.processors.access import connected_gateway
from app.processors.connection import current_connection
from app.processors.gateway import CustomerRequest, GatewayError, GatewayFailure, PaymentGateway
from app.processors.idempotency import idempotency_key
from app.processors.models import ProcessorCustomer

METADATA_CUSTOMER = "kassa_customer"


def _stored_id(session: DbSession, customer: Customer, account_id: str) -> str | None:
    return session.scalar(
        select(ProcessorCustomer.processor_customer_id).where(
            ProcessorCustomer.merchant_id == customer.merchant_id,
            ProcessorCustomer.customer_id == customer.id,
            ProcessorCustomer.account_id == account_id,
        )
    )


def known_processor_customer_id(session: DbSession, customer: Customer) -> str | None:
    """The Stripe customer made for ``customer`` in the connected account, if any (no call)."""
    connection = current_connection(session, customer.merchant_id)
    return _stored_id(session, customer, connection.account_id) if connection else None


def processor_customer_id(session: DbSession, customer: Customer) -> str:
    """The Stripe customer of ``customer`` in the merchant's connected account, made once.

    Raises ``GatewayError`` (NOT_FOUND without a connection; Stripe's own failures). An erased
    customer gets none (it would carry the erasure's placeholder): documents refuse first."""
    if customer.erased_at is not None:
        raise ValueError("an erased customer gets no Stripe customer")  # a programming error
    connection = current_connection(session, customer.merchant_id)
    if connection is None:
        raise GatewayError(GatewayFailure.NOT_FOUND, "no payment processor is connected")
    stored = _stored_id(session, customer, connection.account_id)
    if stored is not None:
        return stored
    gateway = connected_gateway(session, customer.merchant_id)
    made = gateway.create_customer(
        CustomerRequest(
            name=customer.name,
            email=customer.email,
            metadata={METADATA_CUSTOMER: str(customer.id)},
        ),
        idempotency_key(session, "customer", customer.id, "account", connection.account_id),
    )
    try:
        with session.begin_nested():
            session.add(
                ProcessorCustomer(
                    merchant_id=customer.merchant_id,
                    customer_id=customer.id,
                    account_id=connection.account_id,
                    processor_customer_id=made,
                )
            )
    except IntegrityError:
        pass  # made at the same moment by another request: the same customer (same key)
    stored = _stored_id(session, customer, connection.account_id)
    assert stored is not None
    return stored


def processor_customers_of(session: DbSession, customer: Customer) -> list[ProcessorCustomer]:
    return list(
        session.scalars(
            select(ProcessorCustomer)
            .where(
                ProcessorCustomer.merchant_id == customer.merchant_id,
                ProcessorCustomer.customer_id == customer.id,
            )
            .order_by(ProcessorCustomer.id)
        )
    )


def clear_personal_data(
    session: DbSession, row: ProcessorCustomer, gateway: PaymentGateway
) -> None:
    """Empty the name and email Stripe keeps on the customer (an erasure). The customer itself
    stays, with its saved methods, so charges already agreed (a schedule) can still be made."""
    gateway.update_customer(
        row.processor_customer_id,
        CustomerRequest(name="", email=""),
        idempotency_key(session, "customer", row.customer_id, "erase", row.processor_customer_id),
    )
