"""The payment processor: the ONLY package that imports ``stripe`` (in stripe_gateway.py).

gateway.py is the boundary (a Protocol and plain dataclasses), connection.py the connect and
disconnect rules, webhook_setup.py how Stripe's events reach Kassa (the endpoint, a forwarded
secret, or neither), access.py a connected merchant's gateway and webhook verification,
routes.py the Settings → Payments pages, customers.py the Stripe customer a saved method
belongs to (customer_data.py: what a customer's export and erasure do with it).
"""

from flask import Blueprint

blueprint = Blueprint("processors", __name__)

# Routes attach to the blueprint; customer_data registers with the customers package.
from app.processors import customer_data, routes  # noqa: E402,F401

__all__ = ["blueprint"]
