"""Exports too large to stream while the browser waits run as a task: written to a file in the
instance folder, with their progress kept on the job, then downloaded from an emailed link that
expires (a sealed token naming the job and its merchant, and the job's ``expires_at``); expired
files are deleted by a periodic task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.clock import aware, utcnow
from app.core.crypto import seal, unseal
from app.core.tokens import new_secret_token
from app.extensions import DbSession, db
from app.mail import public_url_for, send_email
from app.merchants.models import Merchant
from app.payments.queries import PaymentFilters
from app.reports.csv_copy import Piece
from app.reports.exports import EXPORTS, export_format, export_pieces
from app.reports.labels import EXPORT_NAMES
from app.reports.models import ExportJob, ExportKind, ExportStatus

log = logging.getLogger("kassa.reports")

BACKGROUND_ABOVE = 50_000  # rows: larger exports run as a task
DOWNLOAD_LIFETIME = timedelta(days=7)
PROGRESS_EVERY = 5_000  # rows between progress writes


def exports_folder() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def filters_json(filters: PaymentFilters) -> dict[str, Any]:
    """The filters as the job keeps them: the index's URL arguments."""
    return filters.query_args()


def filters_of(stored: dict[str, Any]) -> PaymentFilters:
    return PaymentFilters.from_query(stored)


def queue_export(
    session: DbSession, merchant: Merchant, user: Any, kind: ExportKind,
    filters: PaymentFilters, rows: int, locale: str,
) -> ExportJob:  # fmt: skip
    """A job for the task to run once the caller committed (``run_export.schedule``)."""
    job = ExportJob(
        merchant_id=merchant.id,
        user_id=user.id,
        email=user.email,
        locale=locale,
        kind=kind,
        filters=filters_json(filters),
        rows_total=rows,
        file_name=f"{new_secret_token()}.csv",
    )
    session.add(job)
    session.flush()
    return job


def _counted(pieces: Iterable[Piece], progress: Session, job_id: int) -> Iterator[Piece]:
    """The pieces as they pass, writing how many rows went to the file every
    ``PROGRESS_EVERY``."""
    written = reported = 0
    for piece in pieces:
        yield piece
        written += piece.rows
        if written - reported >= PROGRESS_EVERY:
            _set(progress, job_id, rows_written=written)
            reported = written
    _set(progress, job_id, rows_written=written)


def _set(session: Session, job_id: int, **values: Any) -> None:
    session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))
    session.commit()


def run_export(job_id: int) -> ExportStatus:
    """Write the job's file. Two sessions: one reads the rows from a server-side cursor in one
    transaction, the other commits the progress the page polls."""
    with Session(db.engine) as progress, Session(db.engine) as reader:
        job = progress.get(ExportJob, job_id)
        if job is None or job.status is not ExportStatus.QUEUED:
            return ExportStatus.FAILED if job is None else job.status
        merchant_id, kind, filters = job.merchant_id, job.kind, filters_of(job.filters)
        _set(progress, job_id, status=ExportStatus.RUNNING)
        target = exports_folder() / job.file_name
        partial = target.with_suffix(".part")
        try:
            merchant = reader.get_one(Merchant, merchant_id)
            fmt = export_format(reader, merchant)
            with force_locale(job.locale), partial.open("w", encoding="utf-8", newline="") as out:
                pieces = export_pieces(reader, kind, merchant_id, filters, fmt)
                for piece in _counted(pieces, progress, job_id):
                    out.write(piece.text)
            partial.chmod(0o600)
            partial.rename(target)
        except Exception as error:  # the merchant sees it failed; the log says why
            log.exception("export %s failed", job_id)
            partial.unlink(missing_ok=True)
            _set(progress, job_id, status=ExportStatus.FAILED, error=type(error).__name__)
            return ExportStatus.FAILED
        now = utcnow()
        expires = now + DOWNLOAD_LIFETIME
        _set(progress, job_id, status=ExportStatus.DONE, finished_at=now, expires_at=expires)
        progress.refresh(job)
        _email_link(job)
        return ExportStatus.DONE


def download_token(job: ExportJob) -> str:
    secret = current_app.extensions["kassa_settings"].secret_key
    return seal({"export": job.id, "merchant": job.merchant_id}, secret)


def _email_link(job: ExportJob) -> None:
    link = public_url_for("reports.download_export", token=download_token(job))
    send_email(job.email, "export_ready", job.locale, link=link, job=job,
               expires_at=job.expires_at, export_names=EXPORT_NAMES)  # fmt: skip


def job_for_token(session: DbSession, token: str, merchant_id: int) -> ExportJob | None:
    """The merchant's finished job a download link names, or None (a link altered, of
    another merchant, or older than any job lives)."""
    secret = current_app.extensions["kassa_settings"].secret_key
    try:
        payload = unseal(token, secret, int(DOWNLOAD_LIFETIME.total_seconds()))
    except (InvalidToken, ValueError):
        return None
    if payload.get("merchant") != merchant_id or not isinstance(payload.get("export"), int):
        return None
    return session.scalar(
        select(ExportJob).where(
            ExportJob.id == payload["export"], ExportJob.merchant_id == merchant_id
        )
    )


def is_downloadable(job: ExportJob, now: datetime) -> bool:
    return (
        job.status is ExportStatus.DONE
        and job.expires_at is not None
        and aware(job.expires_at) > now
        and (exports_folder() / job.file_name).is_file()
    )


def expire_exports(session: DbSession, now: datetime) -> int:
    """Delete the files of jobs past their expiry and mark them expired."""
    due = session.scalars(
        select(ExportJob).where(ExportJob.status == ExportStatus.DONE, ExportJob.expires_at <= now)
    ).all()
    for job in due:
        (exports_folder() / job.file_name).unlink(missing_ok=True)
        job.status = ExportStatus.EXPIRED
    return len(due)


@dataclass(frozen=True)
class StartedExport:
    rows: int
    job: ExportJob | None  # None: few enough rows to stream while the browser waits


def start_export(
    session: DbSession, merchant: Merchant, user: Any, kind: ExportKind,
    filters: PaymentFilters, locale: str,
) -> StartedExport:  # fmt: skip
    """Count the rows; over ``BACKGROUND_ABOVE`` a job is queued (the caller commits, then
    schedules it)."""
    rows = EXPORTS[kind].count(session, merchant.id, filters)
    if rows <= BACKGROUND_ABOVE:
        return StartedExport(rows, None)
    return StartedExport(rows, queue_export(session, merchant, user, kind, filters, rows, locale))


def recent_jobs(session: DbSession, merchant_id: int, limit: int = 10) -> list[ExportJob]:
    return list(
        session.scalars(
            select(ExportJob)
            .where(ExportJob.merchant_id == merchant_id)
            .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
            .limit(limit)
        )
    )
