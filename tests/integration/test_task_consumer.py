"""Production mode: the web server queues the email, a separate Huey consumer delivers it."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.support.accounts import sign_up_link_path
from tests.support.mailbox import Mailbox
from tests.support.servers import LiveServer, free_port, start_gunicorn, stop_process

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browserless:
    """A cookie-keeping HTTP client that submits forms the way a browser would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def submit(self, page: str, action: str, fields: dict[str, str]) -> str:
        token = CSRF.search(self.get(page)).group(1)  # type: ignore[union-attr]
        body = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        with self.opener.open(self.base + action, data=body, timeout=10) as response:
            return response.read().decode()


@pytest.fixture
def queued_server(
    app_settings: dict[str, str], tmp_path: Path, smtp_server: Mailbox
) -> Iterator[LiveServer]:
    port = free_port()
    settings = {
        **app_settings,
        "KASSA_TASKS_IMMEDIATE": "0",
        "KASSA_INSTANCE_PATH": str(tmp_path),
        "KASSA_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    server = start_gunicorn(PROJECT_ROOT, port, settings)
    consumer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "huey.bin.huey_consumer",
            "app.tasks.huey",
            "--workers",
            "1",
            "--delay",
            "0.1",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, **settings},
    )
    yield server
    stop_process(consumer)
    server.stop()


def test_a_queued_invitation_is_delivered_by_the_consumer(
    queued_server: LiveServer,
    app,
    mailbox: Mailbox,  # type: ignore[no-untyped-def]
) -> None:
    owner = Browserless(queued_server.url)
    owner.submit(
        "/signup",
        "/signup",
        {
            "business_name": "Queue AB",
            "country": "SE",
            "currency": "",
            "email": "q@example.com",
            "password": "harbour lantern 7",
        },
    )
    # Delivered by the consumer too, which may still be starting on a busy machine.
    mailbox.wait_for("q@example.com", timeout=60)
    confirmation = sign_up_link_path("q@example.com")
    owner.submit(confirmation, confirmation, {})
    page = owner.submit(
        "/panel/team", "/panel/team/invitations", {"email": "later@example.com", "locale": "en"}
    )
    assert "Invitation sent to later@example.com." in page

    email = mailbox.wait_for("later@example.com", timeout=60)
    assert email.subject == "You are invited to join Queue AB on Kassa"
    assert f"{queued_server.url}/invitations/" in email.text
