"""How long one invoice PDF takes to render: ``python -m bench.pdf`` (with the bench's
environment, after ``bench.seed``) makes a customer and a finalized invoice of 20 lines with a
tax, renders its PDF once (WeasyPrint's import and fonts load then), then ``KASSA_BENCH_PDF_RUNS``
more times, and prints in milliseconds: the first render, the median and best wall-clock time,
the median and best CPU time, then the number of runs."""

from __future__ import annotations

import os
import statistics
import time
from datetime import date

from sqlalchemy import select

from app import create_app
from app.customers.models import Customer
from app.extensions import db
from app.invoices.pdf import invoice_pdf
from app.invoices.service import LineInput, create_invoice, finalize_invoice
from app.merchants.models import Merchant

RUNS = int(os.environ.get("KASSA_BENCH_PDF_RUNS", "15"))


def _render_milliseconds(invoice: object) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one render (CPU time is what a shared, busy machine
    disturbs least)."""
    wall, cpu = time.perf_counter(), time.process_time()
    invoice_pdf(invoice)  # type: ignore[arg-type]
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    app = create_app()
    with app.app_context():
        merchant = db.session.scalars(select(Merchant)).first()
        assert merchant is not None, "run bench.seed first"
        customer = Customer(
            merchant_id=merchant.id,
            name="Bench Buyer",
            email="buyer@kassa.test",
            email_key="buyer@kassa.test",
            company="Bench Buyer AB",
            tax_id="SE556000000001",
            billing_address={"line1": "Storgatan 1", "postal_code": "111 22",
                             "city": "Stockholm", "country": "SE"},
        )  # fmt: skip
        db.session.add(customer)
        lines = [
            LineInput(f"Stoneware bowl, series {n}", quantity=n % 4 + 1, unit_amount=12900 + n)
            for n in range(20)
        ]
        invoice = create_invoice(db.session, merchant, customer, currency="SEK", lines=lines)
        finalize_invoice(
            db.session, invoice, date.today(), app.extensions["kassa_settings"].secret_key
        )
        db.session.commit()

        first, _first_cpu = _render_milliseconds(invoice)
        runs = [_render_milliseconds(invoice) for _ in range(RUNS)]
    wall = [run[0] for run in runs]
    cpu = [run[1] for run in runs]
    print(
        f"{first:.1f} {statistics.median(wall):.1f} {min(wall):.1f} "
        f"{statistics.median(cpu):.1f} {min(cpu):.1f} {RUNS}"
    )


if __name__ == "__main__":
    main()
