"""Files only their owner may read: the SQLite databases, the task queue, generated secrets.

SQLite (and Huey's SQLite storage) create their files with the process umask, commonly
world-readable (0644). Making the file first, 0600, is enough: SQLite gives the write-ahead log
and shared-memory files it adds later the database file's own permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_file(path: Path) -> None:
    """Create ``path`` (empty) readable and writable by its owner only; tighten it if it exists.
    Its folder must exist."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    except FileExistsError:
        os.chmod(path, OWNER_ONLY)  # made before Kassa kept it private


def private_sqlite_file(path: Path) -> None:
    """A SQLite database file, and any companion files it has already, for the owner only (in a
    folder that does not exist, SQLite cannot open it: that stays so)."""
    if not path.parent.is_dir():
        return
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.chmod(companion, OWNER_ONLY)


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner may read (a generated password or key), making
    its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path)
    path.write_text(text)
