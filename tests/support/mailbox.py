"""A real SMTP server for tests (aiosmtpd), and a mailbox to read what it received."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class ReceivedEmail:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


class Mailbox:
    """What the SMTP server received, safe to read from the test thread."""

    def __init__(self) -> None:
        self.port = 0
        self._messages: list[ReceivedEmail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self._messages.append(ReceivedEmail(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def messages(self, to: str | None = None) -> list[ReceivedEmail]:
        with self._lock:
            return [m for m in self._messages if to is None or to in m.to]

    def take(
        self, to: str, subject: str = "", timeout: float = 10.0, containing: str = ""
    ) -> ReceivedEmail:
        """The newest email to ``to`` about ``subject`` whose text holds ``containing``, removed
        from the mailbox (helpers that follow an emailed link use it, so tests counting their
        own emails do not see it)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [
                    m
                    for m in self._messages
                    if to in m.to and subject in m.subject and containing in m.text
                ]
                if found:
                    self._messages.remove(found[-1])
                    return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no email to {to} about {subject!r} with {containing!r}")
            time.sleep(0.05)

    def wait_for(self, to: str, timeout: float = 10.0, subject: str = "") -> ReceivedEmail:
        """The first email to ``to`` (whose subject contains ``subject``, if given); waits for
        it because delivery may run on a task."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages(to) if subject in m.subject]
            if found:
                return found[0]
            time.sleep(0.05)
        seen = [m.subject for m in self.messages(to)]
        raise AssertionError(f"no email to {to} about {subject!r} within {timeout}s; got {seen}")


_running: list[Mailbox] = []


def running_mailbox() -> Mailbox:
    """The mailbox of the SMTP server the test apps send to (for helpers that have no fixture)."""
    assert _running, "no SMTP server started"
    return _running[-1]


def start_smtp_server(port: int) -> tuple[Mailbox, Controller]:
    mailbox = Mailbox()
    _running.append(mailbox)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    return mailbox, controller
