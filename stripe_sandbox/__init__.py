"""A local, stateful stand-in for Stripe's REST API and Stripe.js (development, demos, tests).

``create_app()`` returns the WSGI app; ``python -m stripe_sandbox serve`` runs it. Kassa never
imports this package: it reaches the sandbox only through its settings (the API base URL and
the Stripe.js URL), exactly as it reaches Stripe.
"""

from .app import create_app, sandbox_of
from .sandbox import Sandbox, SandboxConfig

__all__ = ["Sandbox", "SandboxConfig", "create_app", "sandbox_of"]
