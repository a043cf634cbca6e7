"""The import's background job: a dry run or an import of Stripe Billing subscriptions."""

from __future__ import annotations

from app.billing_import import service
from app.extensions import huey


@huey.task()
def run_billing_import(run_id: int) -> str:
    return service.run_billing_import(run_id).value
