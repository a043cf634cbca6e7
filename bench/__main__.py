"""``make bench``: Kassa's pages under load, beside a hello-world route, in one run.

Kassa is served by gunicorn (2 workers, the project's gunicorn.conf.py) on a free loopback
port against a fresh SQLite database; wrk loads each page in turn from the same machine, so
the absolute numbers depend on the machine and the ratio to hello-world is the figure to watch.
Runs are noisy here: now and then a whole run goes about three times slower, for hello-world as
for any page, with the workers mostly idle (waiting, not computing). So each page is loaded in
alternation with hello-world (``KASSA_BENCH_ROUNDS`` rounds of hello then the page) and the best
run of each is kept, as ``timeit`` keeps the fastest: the best is the run nothing interfered with.
Shop pages are measured twice: as a first-time visitor gets them (from the page cache, after
the first) and as a buyer with a cart does (rendered for them on every view).
First-party bytes are what a browser transfers for a page (HTML, CSS, JS), gzip-compressed as
a front proxy would send them. Then the back office at a million payments on PostgreSQL
(``bench/payments.py``). Figures go to ``bench/results.md``.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.payments import payment_figures
from tests.support.servers import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
DURATION = os.environ.get("KASSA_BENCH_DURATION", "3s")
ROUNDS = int(os.environ.get("KASSA_BENCH_ROUNDS", "3"))
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


def load(url: str, cookie: str = "") -> Load:
    """wrk's requests/second and latency percentiles for ``url`` (sending ``cookie``, if any)."""
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", "-d1s", *header, url], check=True, capture_output=True
    )  # warm-up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", *header, url],
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


def _best(loads: list[Load]) -> Load:
    return max(loads, key=lambda run: run.requests_per_second)


def beside_hello(base: str, path: str, cookie: str = "") -> tuple[Load, Load]:
    """The page's best run and hello-world's, measured in alternation."""
    hello: list[Load] = []
    page: list[Load] = []
    for _ in range(ROUNDS):
        hello.append(load(base + HELLO))
        page.append(load(base + path, cookie))
    return _best(page), _best(hello)


def cart_cookie(base: str, product_path: str) -> str:
    """The cookies of a buyer who put one product in their cart, as a browser would."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(base + product_path, timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrf_token": token, "quantity": "1"}).encode()
    with browser.open(base + product_path + "/add", data=form, timeout=10) as response:
        if "(1 item)" not in response.read().decode():
            raise RuntimeError("the bench's buyer could not fill a cart")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


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
CART_PAGE = "shop product page (of 20 listed)"
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


PDF_TARGET_MS = 150


def pdf_render_times(env: dict[str, str]) -> list[float]:
    """``bench.pdf``'s figures for one invoice of 20 lines (after the pages were measured, so
    the server's load does not disturb them): first, median and best wall-clock milliseconds,
    median and best CPU milliseconds, and the number of runs."""
    made = subprocess.run(
        [sys.executable, "-m", "bench.pdf"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return [float(figure) for figure in made.stdout.split()]


def serve(instance: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
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
    return process, base, env


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="kassa-bench-") as folder:
        process, base, env = serve(Path(folder))
        try:
            hellos: list[Load] = []
            rows: list[tuple[str, Load, float | None, int | None]] = []
            measured_pages = [(f"{name} (`{path}`)", path, "") for name, path in PAGES.items()]
            cookie = cart_cookie(base, PAGES[CART_PAGE])
            measured_pages += [
                (f"{name}, for a buyer with a cart", PAGES[name], cookie)
                for name in (LIGHTHOUSE_PAGE, CART_PAGE)
            ]
            for label, path, with_cookie in measured_pages:
                page, hello = beside_hello(base, path, with_cookie)
                hellos.append(hello)
                ratio = page.requests_per_second / hello.requests_per_second
                size = None if with_cookie else first_party_bytes(base, path)
                rows.append((label, page, ratio, size))
            rows.insert(0, ("hello-world (`/livez`), best run of all",
                            _best(hellos), None, None))  # fmt: skip
            scores = lighthouse(base + PAGES[LIGHTHOUSE_PAGE], Path(folder))
        finally:
            process.terminate()
            process.wait(timeout=10)
        first, median, best, median_cpu, best_cpu, runs = pdf_render_times(env)
    lines = [
        "# Kassa benchmark figures",
        "",
        f"Run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores: "
        f"gunicorn 2 workers, wrk 2 threads, {CONNECTIONS} connections, {DURATION} per run, "
        f"{ROUNDS} rounds of hello-world then the page, the best run of each kept; each page "
        "is compared with the hello-world runs beside it.",
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
    lines.append(
        f"Invoice PDF of 20 lines (WeasyPrint, `bench/pdf.py`): median {median:.0f} ms, best "
        f"{best:.0f} ms of {runs:.0f} renders (CPU time: median {median_cpu:.0f} ms, best "
        f"{best_cpu:.0f} ms); the first render, which loads WeasyPrint and the fonts, "
        f"{first:.0f} ms. Target: under {PDF_TARGET_MS} ms."
    )
    lines.append("")
    if scores:
        figures = ", ".join(f"{name} {score}" for name, score in scores.items())
        lines.append(f"Lighthouse (mobile) of the {LIGHTHOUSE_PAGE}: {figures}.")
    else:
        lines.append("Lighthouse was not run (KASSA_LIGHTHOUSE unset: `make bench` installs it).")
    lines += payment_figures()
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
