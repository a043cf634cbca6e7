"""The task consumer's entry point: ``huey_consumer app.tasks.huey``.

It builds the app once and runs every task inside its app context, so tasks read the same
settings, database and templates as the web process.
"""

from __future__ import annotations

from typing import Any

from flask.ctx import AppContext

from app import create_app
from app import mail as _mail  # noqa: F401  (declares the email task)
from app import models as _models  # noqa: F401  (every model, whatever the tasks import)
from app.checkout import tasks as _checkout_tasks  # noqa: F401  (abandoned checkouts)
from app.extensions import huey
from app.invoices import tasks as _invoice_tasks  # noqa: F401  (invoice emails, reminders)
from app.payments import tasks as _payment_tasks  # noqa: F401  (declares reconciliation)
from app.quotes import tasks as _quote_tasks  # noqa: F401  (quote expiry and reminders)
from app.reports import tasks as _report_tasks  # noqa: F401  (exports in the background)
from app.subscriptions import tasks as _subscription_tasks  # noqa: F401  (the billing run)

flask_app = create_app()
_contexts: dict[str, AppContext] = {}


@huey.pre_execute()
def _enter_app_context(task: Any) -> None:
    context = flask_app.app_context()
    context.push()
    _contexts[task.id] = context


@huey.post_execute()
def _leave_app_context(task: Any, _value: Any, _error: Any) -> None:
    context = _contexts.pop(task.id, None)
    if context is not None:
        context.pop()


__all__ = ["flask_app", "huey"]
