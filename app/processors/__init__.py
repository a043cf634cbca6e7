"""The payment processor: the ONLY package that imports ``stripe`` (in stripe_gateway.py).

gateway.py is the boundary (a Protocol and plain dataclasses), connection.py the connect and
disconnect rules, webhook_setup.py how Stripe's events reach Kassa (the endpoint, a forwarded
secret, or neither), access.py a connected merchant's gateway and webhook verification,
routes.py the Settings → Payments pages.
"""

from flask import Blueprint

blueprint = Blueprint("processors", __name__)

from app.processors import routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
