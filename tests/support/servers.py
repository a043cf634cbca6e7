"""Real servers for end-to-end tests: gunicorn serving Kassa on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Until ``url`` answers 200 (a server importing Kassa on a busy machine can take half a
    minute), or fail when the process exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy in {timeout}s")


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop, and kill it when it has not within 10 s (a consumer finishing its
    task on a loaded machine may not): what stops is the test's, not the server's shutdown."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_gunicorn(
    project_root: Path, port: int, settings: dict[str, str], workers: int = 1, threads: int = 8
) -> LiveServer:
    env = {**os.environ, **settings}
    command = [
        sys.executable, "-m", "gunicorn", "wsgi:app",
        "--config", str(project_root / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads),
        "--no-control-socket",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=project_root, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(f"{url}/healthz", process)
    return LiveServer(url, process)


def browser_like_session() -> requests.Session:
    """An HTTP session that sends a GET again when the server closed a kept-alive connection
    just as it was reused (gunicorn closes idle ones after ``keepalive`` seconds), as browsers
    do; anything else fails as it would."""
    session = requests.Session()
    retry = Retry(total=2, connect=2, read=2, status=0, allowed_methods=frozenset({"GET", "HEAD"}))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session
