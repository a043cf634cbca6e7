"""Email: rendered in the recipient's locale in the request, delivered by a task over SMTP.

Without ``KASSA_SMTP_HOST`` (the demo), messages are written to the log instead, so a person
trying Kassa locally can still follow an invitation link.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context, render_template
from flask_babel import force_locale

from app.config import Settings
from app.extensions import huey

log = logging.getLogger("kassa.mail")


def _delivery_settings() -> Settings:
    """The settings of the app this delivery runs under (a task consumer has one too)."""
    if has_app_context():
        return current_app.extensions["kassa_settings"]
    return Settings.load()


def send_email(to: str, template: str, locale: str, **context: object) -> None:
    """Render ``templates/emails/<template>.{txt,html}`` (and its subject) and queue delivery.

    The subject is the first line of the text template, ``Subject: ...``.
    """
    with force_locale(locale):
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    first_line, _, body = text.partition("\n")
    subject = first_line.removeprefix("Subject:").strip()
    deliver_email(to=to, subject=subject, text=body.lstrip("\n"), html=html, locale=locale)
    current_app.logger.debug("queued email %s to %s", template, to)


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute address on ``KASSA_PUBLIC_URL`` for an email, built the same way whether a
    request is being served (a webhook) or not (a task)."""
    public = urlsplit(current_app.extensions["kassa_settings"].public_url)
    adapter = current_app.url_map.bind(
        public.netloc, script_name=public.path or "/", url_scheme=public.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def build_message(
    settings: Settings, to: str, subject: str, text: str, html: str, locale: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="kassa.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale  # after the body: set_content drops Content-* headers
    return message


@huey.task(retries=3, retry_delay=30)
def deliver_email(to: str, subject: str, text: str, html: str, locale: str) -> None:
    settings = _delivery_settings()
    message = build_message(settings, to, subject, text, html, locale)
    if not settings.smtp_host:
        log.info(
            "email (no SMTP configured)",
            extra={"fields": {"to": to, "subject": subject, "text": text}},
        )
        return
    smtp_class = smtplib.SMTP_SSL if settings.smtp_ssl else smtplib.SMTP
    with smtp_class(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
