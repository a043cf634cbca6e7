"""The back office at a million payments, on PostgreSQL: ``make bench`` seeds 1,000,000
payments for one merchant and 100,000 for each of nine others with ``COPY``, then times the
payments index's queries (``payments.queries.filtered_payments``: the first page, and a page
filtered by method, date range and currency), a payment's detail (the payment and its events),
the year's revenue report, and a CSV export of every payment of the large merchant (rows per
second, and the exporting process's peak memory beside its idle memory).

``KASSA_BENCH_DATABASE_URL`` names an empty PostgreSQL database to use; otherwise a throwaway
cluster is started as ``.ci/run`` does (``initdb`` as the ``postgres`` user) and removed after.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE = float(os.environ.get("KASSA_BENCH_SCALE", "1"))  # a quick try: 0.01
LARGE = int(1_000_000 * SCALE)
SMALL = int(100_000 * SCALE)
OTHERS = 9
PAGE = 25
RUNS = int(os.environ.get("KASSA_BENCH_QUERY_RUNS", "40"))
METHODS = ("card", "card", "card", "sepa_debit", "us_bank_account", "bacs_debit")
CURRENCIES = ("SEK", "SEK", "EUR", "USD")
DOCUMENTS = ("payment_link", "cart", "invoice")
YEAR = 2026


@contextmanager
def postgres() -> Iterator[str]:
    """A database URL: the given one, or a throwaway cluster's."""
    given = os.environ.get("KASSA_BENCH_DATABASE_URL")
    if given:
        yield given
        return
    from tests.support.servers import free_port

    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not binaries:
        sys.exit(
            "PostgreSQL is missing: apt-get install postgresql, or set KASSA_BENCH_DATABASE_URL"
        )
    pg_bin, port = binaries[-1], free_port()
    folder = Path(tempfile.mkdtemp(prefix="kassa-bench-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(["chown", "postgres:postgres", str(folder)], check=bool(as_postgres))
    data = folder / "data"
    run = lambda *args: subprocess.run([*as_postgres, *args], check=True, capture_output=True)  # noqa: E731
    run(str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off " \
              "-c full_page_writes=off -c synchronous_commit=off"  # fmt: skip
    run(str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o", options,
        "start")  # fmt: skip
    try:
        run(str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        run(str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def _app(url: str, instance: Path):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app({"KASSA_ENV": "testing", "KASSA_DATABASE_URL": url,
                       "KASSA_INSTANCE_PATH": str(instance)})  # fmt: skip


def _payment_lines(merchant_id: int, count: int, first_id: int) -> Iterator[str]:
    """COPY text rows of succeeded (some refunded) payments spread over the year."""
    from app.payments.models import payment_search_text

    rng = random.Random(merchant_id)  # noqa: S311  (made-up data, repeatable)
    start = datetime(YEAR, 1, 1, tzinfo=UTC).timestamp()
    span = 364 * 86_400
    for n in range(count):
        created = datetime.fromtimestamp(start + rng.random() * span, UTC)
        amount = rng.randrange(500, 500_000)
        fee = amount * 15 // 1000 + 180
        refunded = amount // 2 if n % 50 == 0 else 0
        status = "partially_refunded" if refunded else "succeeded"
        available = (created + timedelta(days=2)).date()
        stamp = created.isoformat()
        yield "\t".join((
            str(first_id + n), f"pi_bench_{merchant_id}_{n}", status, rng.choice(DOCUMENTS),
            str(n % 997), rng.choice(CURRENCIES), str(amount), str(fee), str(amount - fee),
            str(refunded), rng.choice(METHODS), '{"brand": "visa", "last4": "4242"}',
            f"buyer{n % 5000}@example.com", f"Buyer {n % 5000}",
            _copy_text(payment_search_text(f"buyer{n % 5000}@example.com", f"Buyer {n % 5000}",
                                           "")),
            available.isoformat(), stamp, stamp,
        )) + "\n"  # fmt: skip


def _copy_text(value: str) -> str:
    """A value in COPY's text format (its line breaks escaped)."""
    return value.replace("\\", "\\\\").replace("\n", "\\n")


COPY = (
    "COPY payments (id, intent_id, status, document_type, document_id, currency, amount, fee, "
    "net, amount_refunded, method_type, method_details, buyer_email, buyer_name, search_text, "
    "available_on, "
    "created_at, updated_at, merchant_id, checkout_reference, buyer_phone, buyer_locale, "
    "livemode, version) FROM STDIN"
)


def seed(url: str) -> tuple[int, float]:
    """Ten merchants and their payments; (the large merchant's id, seconds taken)."""
    import psycopg

    began = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        for merchant in range(1, OTHERS + 2):
            connection.execute(
                "INSERT INTO merchants (id, public_id, name, country, default_currency, "
                "default_locale, created_at, public_version, legal_name, vat_number, "
                "company_number, invoice_email) VALUES (%s, %s, %s, 'SE', 'SEK', 'en', now(), "
                "'v', '', '', '', '')",
                (merchant, f"mer_bench_{merchant}", f"Merchant {merchant}"),
            )
        first_id = 1
        with connection.cursor() as cursor, cursor.copy(COPY) as copy:
            for merchant in range(1, OTHERS + 2):
                count = LARGE if merchant == 1 else SMALL
                tail = f"\t{merchant}\t\t\ten\tf\t1\n"
                for line in _payment_lines(merchant, count, first_id):
                    copy.write(line[:-1] + tail)
                first_id += count
        connection.execute("SELECT setval('payments_id_seq', %s)", (first_id,))
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE payments")
    return 1, time.perf_counter() - began


def rebuild_totals(app) -> float:  # type: ignore[no-untyped-def]
    """The daily totals of the seeded payments (COPY wrote them past the recording path), as
    an operator's ``flask kassa rebuild-daily-totals`` makes them; seconds taken."""
    from app.extensions import db
    from app.merchants.models import Merchant
    from app.payments.totals import rebuild_daily_totals

    began = time.perf_counter()
    with app.app_context():
        for merchant_id in db.session.scalars(db.select(Merchant.id)).all():
            rebuild_daily_totals(db.session, merchant_id)
            db.session.commit()
        db.session.execute(db.text("ANALYZE daily_totals"))
        db.session.execute(db.text("ANALYZE daily_availability"))
        db.session.commit()
    return time.perf_counter() - began


def timed(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """p50 and p99 in milliseconds of ``runs`` calls (after one warm-up call)."""
    action()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]


EXPORT_PROBE = """
import resource, sys, time
from pathlib import Path
from bench.payments import _app
from app.extensions import db
from app.payments.queries import PaymentFilters
from app.reports.exports import CsvFormat, export_pieces
from app.reports.models import ExportKind

def rss_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])

app = _app(sys.argv[1], Path(sys.argv[2]))
with app.test_request_context():
    fmt = CsvFormat(";", True)
    db.session.execute(db.text("SELECT 1"))
    idle = rss_kb("VmRSS:")
    began, rows = time.perf_counter(), 0
    with open("/dev/null", "w") as sink:
        for piece in export_pieces(db.session, ExportKind.PAYMENTS, int(sys.argv[3]),
                                   PaymentFilters(), fmt):
            sink.write(piece.text)
            rows += piece.rows
    seconds = time.perf_counter() - began
print(rows, seconds, idle, rss_kb("VmHWM:"))
"""


def export_figures(url: str, instance: Path, merchant: int) -> tuple[int, float, int, int]:
    """In a process of its own: rows, seconds, idle and peak RSS (kB)."""
    done = subprocess.run([sys.executable, "-c", EXPORT_PROBE, url, str(instance), str(merchant)],
                          cwd=ROOT, check=True, capture_output=True, text=True)  # fmt: skip
    rows, seconds, idle, peak = done.stdout.split()
    return int(rows), float(seconds), int(idle), int(peak)


def explain(session, query) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})
    rows = session.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars()
    return "\n".join(rows)


def filtered_plan(session, merchant: int) -> str:  # type: ignore[no-untyped-def]
    from app.payments.queries import PaymentFilters, filtered_payments

    return explain(session, filtered_payments(merchant, PaymentFilters(
        method="sepa_debit", currency="EUR", start=date(YEAR, 3, 1), end=date(YEAR, 5, 31)
    )).limit(PAGE))  # fmt: skip


def report_plan(session, merchant: int) -> str:  # type: ignore[no-untyped-def]
    """The plan of the report's largest query: the year's sums per day and currency, from the
    daily totals."""
    from app.payments.models import DailyTotal
    from app.reports.service import sums_query

    return explain(session, sums_query(merchant, date(YEAR, 1, 1), date(YEAR, 12, 31),
                                       DailyTotal.currency, DailyTotal.day))  # fmt: skip


def payment_figures() -> list[str]:
    """Markdown lines for ``bench/results.md``."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app.extensions import db
    from app.payments.models import Payment, PaymentEvent
    from app.payments.queries import PaymentFilters, filtered_payments
    from app.reports.periods import Granularity
    from app.reports.service import revenue_report

    with postgres() as url, tempfile.TemporaryDirectory(prefix="kassa-bench-") as folder:
        instance = Path(folder)
        app = _app(url, instance)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        merchant, seeding = seed(url)
        rebuilding = rebuild_totals(app)
        with app.app_context():
            session = db.session
            newest = filtered_payments(merchant, PaymentFilters()).limit(PAGE)
            narrowed = filtered_payments(merchant, PaymentFilters(
                method="sepa_debit", currency="EUR", start=date(YEAR, 3, 1),
                end=date(YEAR, 5, 31))).limit(PAGE)  # fmt: skip
            searched = filtered_payments(merchant, PaymentFilters(q="buyer4321@")).limit(PAGE)
            some_id = session.scalars(newest).first().id  # type: ignore[union-attr]

            def detail() -> None:
                payment = session.scalar(select(Payment).where(
                    Payment.id == some_id, Payment.merchant_id == merchant))  # fmt: skip
                session.scalars(select(PaymentEvent).where(
                    PaymentEvent.payment_id == payment.id)).all()  # type: ignore[union-attr]  # fmt: skip

            figures = {
                "payments index, first page (25 newest)":
                    timed(lambda: session.scalars(newest).all()),
                "payments index, filtered (method + date range + currency)":
                    timed(lambda: session.scalars(narrowed).all()),
                "payments index, text search (one buyer's email)":
                    timed(lambda: session.scalars(searched).all()),
                "a payment's detail (the payment and its events)": timed(detail),
                "revenue report of the year, by month": timed(lambda: revenue_report(
                    session, merchant, date(YEAR, 1, 1), date(YEAR, 12, 31), Granularity.MONTH
                ), runs=max(5, RUNS // 4)),
            }  # fmt: skip
            plans = (filtered_plan(session, merchant), report_plan(session, merchant),
                     explain(session, searched))  # fmt: skip
            session.remove()
        rows, seconds, idle, peak = export_figures(url, instance, merchant)
    lines = [
        "", "## The back office at a million payments (PostgreSQL)", "",
        f"{LARGE:,} payments for one merchant and {SMALL:,} for each of {OTHERS} others, seeded "
        f"with COPY in {seeding:.0f} s, their daily totals rebuilt in {rebuilding:.1f} s; "
        f"{RUNS} runs of each query after a warm-up (the report's {max(5, RUNS // 4)}); "
        f"load average {os.getloadavg()[0]:.1f} before the runs.", "",
        "| query | p50 ms | p99 ms | target |", "| --- | ---: | ---: | --- |",
    ]  # fmt: skip
    targets = ["p50 < 50 ms", "p50 < 50 ms", "p50 < 50 ms", "", "< 200 ms"]
    for (name, (p50, p99)), target in zip(figures.items(), targets, strict=True):
        lines.append(f"| {name} | {p50:.1f} | {p99:.1f} | {target} |")
    lines += [
        "", f"CSV export of all {rows:,} payments of the large merchant: {rows / seconds:,.0f} "
        f"rows/s ({seconds:.1f} s); the exporting process's RSS {idle / 1024:.0f} MB idle, "
        f"{peak / 1024:.0f} MB at its peak (+{(peak - idle) / 1024:.0f} MB; target: at least "
        "50,000 rows/s, within 50 MB of idle).", "",
        "Plan of the filtered page (method + date range + currency):", "", "```", plans[0],
        "```", "", "Plan of the report's daily sums (the year, from the daily totals):", "",
        "```", plans[1], "```", "", "Plan of the text search (the trigram index):", "", "```",
        plans[2], "```", "", f"Load average after: {os.getloadavg()[0]:.1f}.",
    ]  # fmt: skip
    return lines


if __name__ == "__main__":
    print("\n".join(payment_figures()))
