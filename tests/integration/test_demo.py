"""The demo behind ``make run``, started as a person starts it: every address it prints is the
one it serves, also on a port asked for with KASSA_DEMO_PORT."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.support.servers import free_port, stop_process, wait_until_healthy

PRINTED_ADDRESS = re.compile(r"https?://[^\s)]+")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KASSA_")} | {
        "KASSA_INSTANCE_PATH": str(tmp_path),
        "KASSA_DEMO_PORT": str(port),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    subprocess.run(flask, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [sys.executable, "demo.py"], cwd=PROJECT_ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield port, process
    stop_process(process)


def printed_until_served(process: subprocess.Popen[str]) -> list[str]:
    """The demo's output up to its "Ctrl+C stops." line (printed as it starts serving)."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Ctrl+C stops." in line:
            return lines
    raise AssertionError("".join(lines))


def test_the_demo_prints_the_addresses_it_serves(
    demo: tuple[int, subprocess.Popen[str]],
) -> None:
    port, process = demo
    output = "".join(printed_until_served(process))
    assert "Demo payment link: " in output and "Demo shop: " in output, output
    addresses = PRINTED_ADDRESS.findall(output)
    assert addresses and all(a.startswith(f"http://127.0.0.1:{port}/") for a in addresses), output
    link = output.split("Demo payment link: ")[1].split()[0]
    shop = output.split("Demo shop: ")[1].split()[0]
    wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process)  # type: ignore[arg-type]
    for address in (link, shop):
        with urllib.request.urlopen(address, timeout=30) as response:
            assert response.status == 200, address
