"""Email: rendered in the recipient's locale in the request, delivered by a task over SMTP.

Without ``KASSA_SMTP_HOST`` (the demo), messages are written to the log instead, so a person
trying Kassa locally can still follow an invitation link.

An email about a payment or a document carries a ``LogEntry``: once the SMTP server accepted
it, ``transmit`` adds it to the sent-email log (``app/mail_log``) the merchant's pages list.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from app.config import Settings
from app.data.after_commit import after_commit
from app.extensions import db, huey
from app.mail_log.models import SentEmail, SentStatus

if TYPE_CHECKING:
    from app.merchants.models import Merchant

log = logging.getLogger("kassa.mail")


def _delivery_settings() -> Settings:
    """The settings of the app this delivery runs under (a task consumer has one too)."""
    if has_app_context():
        return current_app.extensions["kassa_settings"]
    return Settings.load()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class LogEntry:
    """What the sent-email log keeps of an email besides its address and subject: whose it is,
    what kind (the template's name, or ``receipt_resent``) and what it is about."""

    merchant_id: int
    kind: str
    payment_id: int | None = None
    document_type: str = ""
    document_id: str = ""


@dataclass(frozen=True)
class Email:
    """A rendered message, ready for ``transmit``."""

    to: str
    subject: str
    text: str
    html: str
    locale: str
    attachments: tuple[Attachment, ...] = ()
    logged_as: LogEntry | None = None


def render_email(
    to: str,
    template: str,
    locale: str,
    context: Mapping[str, object],
    attachments: tuple[Attachment, ...] = (),
) -> Email:
    """Render ``templates/emails/<template>.{txt,html}`` in ``locale`` with ``context``.

    The subject is the first line of the text template, ``Subject: ...``.
    """
    with force_locale(locale):
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    first_line, _, body = text.partition("\n")
    subject = first_line.removeprefix("Subject:").strip()
    return Email(to, subject, body.lstrip("\n"), html, locale, attachments)


def send_email(
    to: str, template: str, locale: str, *, logged_as: LogEntry | None = None, **context: Any
) -> None:
    """Render the email (``render_email``) and queue its delivery.

    An email for the sent-email log (``logged_as``) is queued once the request's (or task's)
    database session commits the transaction it is in: it is about rows that transaction
    writes, and a recording rolled back (one that lost to a concurrent one) sends nothing.
    Asked for outside a transaction, it is queued at once."""
    email = render_email(to, template, locale, context)

    def deliver() -> None:
        deliver_email(
            to=to, subject=email.subject, text=email.text, html=email.html, locale=locale,
            logged_as=logged_as,
        )  # fmt: skip

    scoped = db.session()
    if logged_as is not None and scoped.in_transaction():
        after_commit(scoped, deliver)
    else:
        deliver()
    current_app.logger.debug("queued email %s to %s", template, to)


def email_owners(
    merchant: Merchant, template: str, *, logged_as: LogEntry | None = None, **context: Any
) -> None:
    """``send_email`` to each owner of ``merchant``, in the merchant's language (the merchant
    is in the context)."""
    for user in merchant.users:
        if user.is_owner:
            send_email(
                user.email, template, merchant.default_locale, logged_as=logged_as,
                merchant=merchant, **context,
            )  # fmt: skip


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute address on ``KASSA_PUBLIC_URL`` for an email, built the same way whether a
    request is being served (a webhook) or not (a task)."""
    public = urlsplit(current_app.extensions["kassa_settings"].public_url)
    adapter = current_app.url_map.bind(
        public.netloc, script_name=public.path or "/", url_scheme=public.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def build_message(settings: Settings, email: Email) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="kassa.local")
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    message["Content-Language"] = email.locale  # after the body: set_content drops Content-*
    return message


@huey.task(retries=3, retry_delay=30)
def deliver_email(
    to: str, subject: str, text: str, html: str, locale: str, logged_as: LogEntry | None = None
) -> None:
    transmit(Email(to, subject, text, html, locale, logged_as=logged_as))


def transmit(email: Email) -> None:
    """Hand ``email`` to the SMTP server now. Returns once the server accepted it (and the
    sent-email log has it, when it is for the log); raises (``smtplib.SMTPException``,
    ``OSError``) when it did not. Every email goes through here:
    ``deliver_email`` calls it in a task, and callers that must know the outcome (invoice
    deliveries) call it in theirs."""
    settings = _delivery_settings()
    message = build_message(settings, email)
    if not settings.smtp_host:
        log.info(
            "email (no SMTP configured)",
            extra={"fields": {"to": email.to, "subject": email.subject, "text": email.text}},
        )
        _add_to_log(email, SentStatus.LOGGED)
        return
    smtp_class = smtplib.SMTP_SSL if settings.smtp_ssl else smtplib.SMTP
    with smtp_class(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
    _add_to_log(email, SentStatus.SENT)


def _add_to_log(email: Email, status: SentStatus) -> None:
    """The sent-email log's row of an accepted email that carries a ``LogEntry``. In a session
    of its own: the delivery runs in a task (or, in immediate mode, inside a commit)."""
    entry = email.logged_as
    if entry is None:
        return
    with Session(db.engine) as session:
        session.add(
            SentEmail(
                merchant_id=entry.merchant_id, payment_id=entry.payment_id,
                document_type=entry.document_type, document_id=entry.document_id,
                kind=entry.kind, recipient=email.to, subject=email.subject[:500], status=status,
            )
        )  # fmt: skip
        session.commit()
