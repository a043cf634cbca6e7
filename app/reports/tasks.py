"""The reports' tasks: a large export written in the background, and the hourly removal of
expired export files."""

from __future__ import annotations

from huey import crontab

from app.core.clock import utcnow
from app.extensions import db, huey
from app.reports import jobs


@huey.task()
def run_export(job_id: int) -> str:
    return jobs.run_export(job_id).value


@huey.periodic_task(crontab(minute="23"))
def expire_exports() -> int:
    expired = jobs.expire_exports(db.session, utcnow())
    db.session.commit()
    return expired
