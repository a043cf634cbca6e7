"""Files Kassa creates hold secrets (the database with buyers' details and encrypted keys, the
task queue with emails to send, the demo password): only their owner may read them, whatever
the umask (issue #18, 9). Checked on a first start in an empty instance folder, as an operator
meets it, with a database file an older Kassa left world-readable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app import create_app
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common default: files world-readable unless made otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_task_queue_secret_key_and_demo_password_are_owner_only(
    tmp_path: Path, app_settings: dict[str, str], permissive_umask: None
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "kassa.db"
    database.touch(mode=0o644)  # left by an older Kassa
    assert mode(database) == 0o644
    settings = {
        **{k: v for k, v in app_settings.items() if k != "KASSA_SECRET_KEY"},
        "KASSA_INSTANCE_PATH": str(instance),
        "KASSA_DATABASE_URL": f"sqlite:///{database}",
    }

    kassa = create_app(settings)
    with kassa.app_context():
        upgrade()
    seeded = kassa.test_cli_runner().invoke(args=["kassa", "seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    queue = subprocess.run(  # the task queue is made when a process imports Kassa
        [sys.executable, "-c", "from app.extensions import huey; huey.storage.enqueued_items()"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "KASSA_INSTANCE_PATH": str(instance), "KASSA_REDIS_URL": ""},
        check=False,
        capture_output=True,
    )
    assert queue.returncode == 0, queue.stderr

    made = {p.name: mode(p) for p in instance.iterdir() if p.is_file()}
    assert {"kassa.db", "kassa.db-wal", "tasks.db", "secret-key", "demo-password.txt"} <= set(made)
    assert made == dict.fromkeys(made, 0o600)
