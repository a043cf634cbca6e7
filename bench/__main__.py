"""``make bench``: Kassa's pages under load, beside a hello-world route, in one run.

Kassa is served by gunicorn (2 workers, the project's gunicorn.conf.py) on a free loopback
port against a fresh SQLite database; wrk loads each page in turn from the same machine, so
the absolute numbers depend on the machine and the ratio to hello-world is the figure to watch.
First-party bytes are what a browser transfers for a page (HTML, CSS, JS), gzip-compressed as
a front proxy would send them. Figures go to ``bench/results.md``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.support.servers import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
DURATION = os.environ.get("KASSA_BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("KASSA_BENCH_CONNECTIONS", "16")
HELLO = "/livez"
PAGES = {"login page (a public form)": "/login"}
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def load(url: str) -> Load:
    """wrk's requests/second and latency percentiles for ``url``."""
    subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", url], check=True, capture_output=True
    )  # warm-up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    return Load(rps, p50, p99)


def first_party_bytes(base: str, path: str) -> int:
    """gzip size of the page and the first-party CSS and JS it references."""
    with urllib.request.urlopen(base + path, timeout=10) as response:
        html = response.read()
    total = len(gzip.compress(html, 6))
    for asset in sorted(set(ASSET.findall(html.decode()))):
        if asset.endswith((".css", ".js")):
            with urllib.request.urlopen(base + asset, timeout=10) as response:
                total += len(gzip.compress(response.read(), 6))
    return total


def seed(env: dict[str, str]) -> None:
    """The buyer page of a three-line payment link, a shop home and a product page of a shop
    listing 20 products join the pages (``bench/seed.py``)."""
    made = subprocess.run(
        [sys.executable, "-m", "bench.seed"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    checkout, shop, product = made.stdout.strip().splitlines()[-3:]
    PAGES["buyer page of a 3-line payment link"] = checkout
    PAGES["shop home (20 products listed)"] = shop
    PAGES["shop product page (of 20 listed)"] = product


LIGHTHOUSE_PAGE = "shop home (20 products listed)"
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def lighthouse(url: str, folder: Path) -> dict[str, int]:
    """Lighthouse's mobile scores (0-100) for ``url``, in Debian's Chromium; {} without the tool."""
    tool = os.environ.get("KASSA_LIGHTHOUSE", "")
    if not tool or not Path(tool).exists():
        return {}
    report = folder / "lighthouse.json"
    subprocess.run(
        [
            tool, url, "--quiet", "--form-factor=mobile", "--output=json",
            f"--output-path={report}", "--chrome-flags=--headless=new --no-sandbox",
            "--only-categories=" + ",".join(LIGHTHOUSE_CATEGORIES),
        ],
        env={**os.environ, "CHROME_PATH": shutil.which("chromium") or "/usr/bin/chromium"},
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    categories = json.loads(report.read_text())["categories"]
    return {name: round(categories[name]["score"] * 100) for name in LIGHTHOUSE_CATEGORIES}


def serve(instance: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "KASSA_ENV": "production",
        "KASSA_SECRET_KEY": secrets.token_urlsafe(32),
        "KASSA_INSTANCE_PATH": str(instance),
        "KASSA_DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
        "KASSA_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "KASSA_LOGIN_RATE_LIMIT": "1000000 per minute",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    seed(env)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--no-control-socket",
    ]
    log = (instance / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    wait_until_healthy(base + "/healthz", process)
    return process, base


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="kassa-bench-") as folder:
        process, base = serve(Path(folder))
        try:
            hello = load(base + HELLO)
            rows = [("hello-world (`/livez`)", hello, None, None)]
            for name, path in PAGES.items():
                measured = load(base + path)
                ratio = measured.requests_per_second / hello.requests_per_second
                rows.append((f"{name} (`{path}`)", measured, ratio, first_party_bytes(base, path)))
            scores = lighthouse(base + PAGES[LIGHTHOUSE_PAGE], Path(folder))
        finally:
            process.terminate()
            process.wait(timeout=10)
    lines = [
        "# Kassa benchmark figures",
        "",
        f"Run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores: "
        f"gunicorn 2 workers, wrk 2 threads, {CONNECTIONS} connections, {DURATION} per page, "
        "on the same machine.",
        "",
        "| page | requests/s | vs hello-world | p50 ms | p99 ms | first-party bytes (gzip) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, figures, ratio, size in rows:
        share = f"{ratio:.0%}" if ratio else "100%"
        weight = f"{size / 1024:.1f} KB" if size else "-"
        lines.append(
            f"| {name} | {figures.requests_per_second:.0f} | {share} | "
            f"{figures.p50_ms:.2f} | {figures.p99_ms:.2f} | {weight} |"
        )
    lines.append("")
    if scores:
        figures = ", ".join(f"{name} {score}" for name, score in scores.items())
        lines.append(f"Lighthouse (mobile) of the {LIGHTHOUSE_PAGE}: {figures}.")
    else:
        lines.append("Lighthouse was not run (KASSA_LIGHTHOUSE unset: `make bench` installs it).")
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
