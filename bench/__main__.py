"""``make bench``: Kassa's pages under load, beside a hello-world route, in one run.

Kassa is served by gunicorn (2 workers, the project's gunicorn.conf.py) on a free loopback
port against a fresh SQLite database; wrk loads each page in turn from the same machine, so
the absolute numbers depend on the machine and the ratio to hello-world is the figure to watch.
Runs are noisy here: now and then a whole run goes about three times slower, for hello-world as
for any page, with the workers mostly idle (waiting, not computing). So each page is loaded in
alternation with hello-world (``KASSA_BENCH_ROUNDS`` rounds of hello then the page) and the best
run of each is kept, as ``timeit`` keeps the fastest: the best is the run nothing interfered with.
Shop pages are measured twice: as a first-time visitor gets them (from the page cache, after
the first) and as a buyer with a cart does (rendered for them on every view). A payment link's
page, an invoice's and a quote's are measured as a new visitor gets them (the page cache), a buyer's
checkout with choices made as that buyer gets it, and an HTMX quantity change as that buyer
posts it (wrk with ``bench/post.lua``). Beside the best run, every page's spread over the
rounds is reported: its lowest and highest share of the hello-world run just before it.
First-party bytes are what a browser transfers for a page (HTML, CSS, JS), gzip-compressed as
a front proxy would send them. Then the back office at a million payments on PostgreSQL
(``bench/payments.py``), and a billing run of 10,000 due subscriptions
(``bench/billing.py``). Figures go to ``bench/results.md``.

``python -m bench billing`` (or ``payments``) runs only that part and prints its figures
without writing ``bench/results.md``.
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

from bench.billing import billing_figures
from bench.payments import payment_figures
from tests.support.servers import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
DURATION = os.environ.get("KASSA_BENCH_DURATION", "3s")
ROUNDS = int(os.environ.get("KASSA_BENCH_ROUNDS", "3"))
CONNECTIONS = os.environ.get("KASSA_BENCH_CONNECTIONS", "16")
HELLO = "/livez"
POST_SCRIPT = ROOT / "bench" / "post.lua"
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


@dataclass(frozen=True)
class Post:
    """A form posted under load: its fields (with the page's CSRF token), as HTMX sends it."""

    form: str


def load(url: str, cookie: str = "", post: Post | None = None) -> Load:
    """wrk's requests/second and latency percentiles for ``url`` (sending ``cookie``, if any;
    posting ``post`` instead of a GET)."""
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    if post is not None:
        header += ["-s", str(POST_SCRIPT), "-H", "HX-Request: true",
                   "-H", "Content-Type: application/x-www-form-urlencoded"]  # fmt: skip
    env = {**os.environ, "KASSA_BENCH_FORM": post.form} if post is not None else None
    subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", "-d1s", *header, url],
        check=True,
        capture_output=True,
        env=env,
    )  # warm-up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", *header, url],
        env=env,
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


@dataclass(frozen=True)
class Measured:
    """A page's runs and the hello-world run before each."""

    page: list[Load]
    hello: list[Load]

    @property
    def best(self) -> Load:
        return _best(self.page)

    @property
    def shares(self) -> list[float]:
        """Each round's share of hello-world: the page's run over the hello-world run before."""
        return [
            p.requests_per_second / h.requests_per_second
            for p, h in zip(self.page, self.hello, strict=True)
        ]


def beside_hello(base: str, path: str, cookie: str = "", post: Post | None = None) -> Measured:
    """The page's runs and hello-world's, measured in alternation."""
    hello: list[Load] = []
    page: list[Load] = []
    for _ in range(ROUNDS):
        hello.append(load(base + HELLO))
        page.append(load(base + path, cookie, post))
    return Measured(page, hello)


def quantity_post(base: str, checkout: str) -> tuple[str, Post]:
    """The cookies and the quantity form of the buyer of ``checkout``, as their browser has
    them after opening the page."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(base + checkout, timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    line = re.search(r'name="line" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrf_token": token, "line": line}) + "&quantity="
    cookie = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    return cookie, Post(form)


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
    """A three-line payment link's page and a buyer's checkout of it, an invoice's page, a
    quote's page, a shop home and a product page of a shop listing 20 products join the pages
    (``bench/seed.py``)."""
    made = subprocess.run(
        [sys.executable, "-m", "bench.seed"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    checkout, shop, product, link, invoice, quote = made.stdout.strip().splitlines()[-6:]
    PAGES[LINK_PAGE] = link
    PAGES[CHECKOUT_PAGE] = checkout
    PAGES["invoice page (3 lines), a customer's view"] = invoice
    PAGES["quote page (3 lines), a customer's view"] = quote
    PAGES["shop home (20 products listed)"] = shop
    PAGES["shop product page (of 20 listed)"] = product


LINK_PAGE = "payment link page (3 lines), first view"
CHECKOUT_PAGE = "checkout page of a buyer with choices made (3-line link)"
LIGHTHOUSE_PAGES = ("shop home (20 products listed)", LINK_PAGE)
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
            rows: list[tuple[str, Measured, int | None]] = []
            measured_pages: list[tuple[str, str, str, Post | None]] = [
                (f"{name} (`{path}`)", path, "", None) for name, path in PAGES.items()
            ]
            cookie = cart_cookie(base, PAGES[CART_PAGE])
            measured_pages += [
                (f"{name}, for a buyer with a cart", PAGES[name], cookie, None)
                for name in ("shop home (20 products listed)", CART_PAGE)
            ]
            buyer, post = quantity_post(base, PAGES[CHECKOUT_PAGE])
            measured_pages.append(
                ("HTMX quantity change of that checkout (POST, summary partial)",
                 PAGES[CHECKOUT_PAGE] + "/quantity", buyer, post)
            )  # fmt: skip
            for label, path, with_cookie, posted in measured_pages:
                measured = beside_hello(base, path, with_cookie, posted)
                size = None if with_cookie else first_party_bytes(base, path)
                rows.append((label, measured, size))
            scores = {
                name: lighthouse(base + PAGES[name], Path(folder)) for name in LIGHTHOUSE_PAGES
            }
        finally:
            process.terminate()
            process.wait(timeout=60)  # workers finish their keep-alive connections first
        first, median, best, median_cpu, best_cpu, runs = pdf_render_times(env)
    hello = _best([run for _label, measured, _size in rows for run in measured.hello])
    lines = [
        "# Kassa benchmark figures",
        "",
        f"Run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores: "
        f"gunicorn 2 workers (gunicorn.conf.py), wrk 2 threads, {CONNECTIONS} connections, "
        f"{DURATION} per run, {ROUNDS} rounds of hello-world then the page; the best run of each "
        "page is compared with the best hello-world run beside it, and the spread is each "
        "round's share of the hello-world run just before it (lowest to highest).",
        "",
        "| page | requests/s | vs hello-world | spread over rounds | p50 ms | p99 ms "
        "| first-party bytes (gzip) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| hello-world (`/livez`), best run of all | {hello.requests_per_second:.0f} | 100% | - "
        f"| {hello.p50_ms:.2f} | {hello.p99_ms:.2f} | - |",
    ]
    for name, measured, size in rows:
        figures = measured.best
        ratio = figures.requests_per_second / _best(measured.hello).requests_per_second
        spread = f"{min(measured.shares):.0%} to {max(measured.shares):.0%}"
        weight = f"{size / 1024:.1f} KB" if size else "-"
        lines.append(
            f"| {name} | {figures.requests_per_second:.0f} | {ratio:.0%} | {spread} | "
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
    for page, page_scores in scores.items():
        if page_scores:
            shown = ", ".join(f"{name} {score}" for name, score in page_scores.items())
            lines.append(f"Lighthouse (mobile) of the {page}: {shown}.")
        else:
            lines.append(
                f"Lighthouse was not run on the {page} (KASSA_LIGHTHOUSE unset: `make bench` "
                "installs it)."
            )
    lines += payment_figures()
    lines += billing_figures()
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


PARTS = {"billing": billing_figures, "payments": payment_figures}

if __name__ == "__main__":
    if len(sys.argv) > 1:
        if sys.argv[1] not in PARTS:
            sys.exit(f"usage: python -m bench [{' | '.join(PARTS)}]")
        print("\n".join(PARTS[sys.argv[1]]()))
    else:
        main()
