"""Command-line tools: ``flask --app wsgi kassa ...`` and ``flask --app wsgi translate ...``."""

from __future__ import annotations

import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import click
from babel.messages.pofile import read_po, write_po
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.catalog.service import ProductDetails, create_product
from app.checkout.service import rotate_checkout_tokens
from app.config import PROJECT_ROOT
from app.core.crypto import Rotation
from app.core.files import write_private_text
from app.core.money import Money
from app.data.clock import advance_test_clock
from app.extensions import db
from app.invoices.service import rotate_invoice_tokens
from app.links.service import ensure_demo_link
from app.merchants import service
from app.merchants.models import Merchant
from app.payments.totals import rebuild_daily_totals
from app.processors.access import rotate_stored_secrets
from app.quotes.schedule import run_schedules
from app.storefront.service import (
    StorefrontDetails,
    list_product,
    listings,
    storefront_of,
    update_storefront,
)
from app.subscriptions.billing import run_billing
from app.subscriptions.starting import start_quote_subscriptions

DEMO_EMAIL = "demo@kassa.test"
TRANSLATIONS = PROJECT_ROOT / "translations"
POT_FILE = TRANSLATIONS / "messages.pot"


@click.group("kassa", cls=AppGroup)
def kassa_group() -> None:
    """Kassa administration."""


@kassa_group.command("seed-demo")
def seed_demo() -> None:
    """Create the demo merchant once; print its login either way."""
    for line in seed_demo_merchant():
        click.echo(line)


def seed_demo_merchant() -> list[str]:
    """Create the demo merchant, its payment link and shop once (in the current app); the
    lines that tell a person how to log in and what to open, at the app's public address."""
    password_file = Path(current_app.instance_path) / "demo-password.txt"
    try:
        password = password_file.read_text().strip()
    except FileNotFoundError:
        password = secrets.token_urlsafe(12)
    owner, created = service.ensure_demo_merchant(db.session, DEMO_EMAIL, password)
    link = ensure_demo_link(db.session, owner.merchant)
    shop = _ensure_demo_shop(owner.merchant)
    db.session.commit()
    if created:
        write_private_text(password_file, password)
    public_url = current_app.extensions["kassa_settings"].public_url
    return [
        f"Demo merchant: {DEMO_EMAIL} / {password}" + (" (created)" if created else ""),
        f"Demo payment link: {public_url}/l/{link.slug}",
        f"Demo shop: {public_url}{shop}",
    ]


@kassa_group.command("rebuild-daily-totals")
@click.argument("merchant_public_ids", nargs=-1)
def rebuild_daily_totals_command(merchant_public_ids: tuple[str, ...]) -> None:
    """Recompute the revenue report's daily totals from the payments: of the merchants named
    by public id, or of every merchant. Idempotent; safe while payments are recorded."""
    query = select(Merchant).order_by(Merchant.id)
    if merchant_public_ids:
        query = query.where(Merchant.public_id.in_(merchant_public_ids))
    merchants = list(db.session.scalars(query))
    unknown = set(merchant_public_ids) - {merchant.public_id for merchant in merchants}
    if unknown:
        raise click.ClickException(f"No merchant with the public id: {', '.join(sorted(unknown))}")
    for merchant in merchants:
        counted = rebuild_daily_totals(db.session, merchant.id)
        db.session.commit()
        click.echo(f"{merchant.public_id}: daily totals rebuilt from {counted} payments")


@kassa_group.command("advance-clock")
@click.option("--days", type=int, default=0, help="Days to move the scheduler's clock ahead.")
@click.option("--hours", type=int, default=0, help="Hours to move it ahead.")
@click.option("--bill", is_flag=True, help="Then run the billing run and the quote schedules.")
def advance_clock_command(days: int, hours: int, bill: bool) -> None:
    """QA: move the scheduler's clock (only under KASSA_TEST_CLOCK), optionally then bill
    what became due. Pair it with the sandbox's /_sandbox/advance for bank debits."""
    if days < 0 or hours < 0:
        raise click.UsageError("The clock only moves forward.")
    try:
        now = advance_test_clock(db.session, timedelta(days=days, hours=hours))
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"The scheduler's clock now reads {now.isoformat()}.")
    if bill:
        started = start_quote_subscriptions(db.session)
        run = run_billing(db.session)
        schedules = run_schedules(db.session)
        click.echo(
            f"Subscriptions started {started}, notified {len(run.notified)}, charged "
            f"{len(run.charged)}, failed {len(run.failed)}, ended {len(run.ended)}; quote parts "
            f"notified {len(schedules.notified)}, charged {len(schedules.charged)}."
        )


@kassa_group.command("rotate-secret-key")
@click.option(
    "--old-key",
    envvar="KASSA_OLD_SECRET_KEY",
    required=True,
    help="The secret key the stored secrets are encrypted with now (better given as "
    "KASSA_OLD_SECRET_KEY than on the command line).",
)
def rotate_secret_key(old_key: str) -> None:
    """Re-encrypt every stored secret with the configured KASSA_SECRET_KEY."""
    new_key = current_app.extensions["kassa_settings"].secret_key
    if old_key == new_key:
        raise click.ClickException("The old key is the current one: set a new KASSA_SECRET_KEY.")
    rotation = Rotation(old_key, new_key)
    rotate_stored_secrets(db.session, rotation)
    rotate_checkout_tokens(db.session, rotation)
    rotate_invoice_tokens(db.session, rotation)
    if rotation.unreadable:
        db.session.rollback()
        raise click.ClickException(
            f"Stored secrets that open with neither key: {rotation.unreadable}; "
            "nothing was changed. Check the old key."
        )
    db.session.commit()
    click.echo(
        f"Stored secrets re-encrypted with the new key: {rotation.reencrypted} "
        f"({rotation.already_new} already were)."
    )


DEMO_PRODUCTS = (
    ("Stoneware mug", "A hand-thrown mug, 30 cl.", 12900),
    ("Dinner plate", "Glazed stoneware, 27 cm.", 18900),
    ("Serving bowl", "Wide and shallow, for salads and fruit.", 24900),
    ("Espresso cup", "Small, thick-walled, 8 cl.", 8900),
)


def _ensure_demo_shop(merchant: Merchant) -> str:
    """The demo merchant's open storefront with a few products (made once); its address."""
    storefront = storefront_of(db.session, merchant)
    if not listings(db.session, storefront):
        for name, description, amount in DEMO_PRODUCTS:
            product = create_product(
                db.session, merchant, ProductDetails(name=name, description=description),
                Money(amount, merchant.default_currency),
            )  # fmt: skip
            list_product(db.session, storefront, product.id)
        update_storefront(
            db.session, merchant, storefront,
            StorefrontDetails(
                enabled=True, slug=storefront.slug,
                titles={"en": "Demo ceramics", "sv": "Demokeramik"},
                intros={"en": "Plates, bowls and mugs, made by hand.",
                        "sv": "Tallrikar, skålar och muggar, gjorda för hand."},
            ),
        )  # fmt: skip
    return f"/s/{storefront.slug}"


@click.group("translate", cls=AppGroup)
def translate_group() -> None:
    """Gettext catalogues: extract, update, compile (wraps pybabel)."""


def pybabel_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "babel.messages.frontend", *args]


def extract_command(output: Path) -> list[str]:
    """The pybabel call that collects every translatable string of app/ and templates/."""
    return pybabel_command(
        "extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "--omit-header",
        "--ignore-dirs=.* _* node_modules tests stripe_sandbox bench", "-o", str(output), ".",
    )  # fmt: skip


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, cwd=PROJECT_ROOT)  # noqa: S603  (our program, our arguments)


def _pybabel(*args: str) -> None:
    _run(pybabel_command(*args))


@translate_group.command("extract")
def extract() -> None:
    """Collect every translatable string into translations/messages.pot."""
    _run(extract_command(POT_FILE))


@translate_group.command("update")
def update() -> None:
    """Merge messages.pot into every locale's catalogue, keeping each catalogue's own header."""
    with POT_FILE.open("rb") as handle:
        template = read_po(handle)
    for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=po_path.parts[-3])
        catalogue.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalogue.obsolete.clear()
        with po_path.open("wb") as handle:
            write_po(handle, catalogue, no_location=True, sort_output=True)
        untranslated = sum(1 for message in catalogue if message.id and not message.string)
        click.echo(f"{po_path.relative_to(PROJECT_ROOT)}: {untranslated} to translate")


@translate_group.command("compile")
def compile_catalogues() -> None:
    """Build the .mo files the app loads."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@translate_group.command("init")
@click.argument("locale")
def init_locale(locale: str) -> None:
    """Start a catalogue for a new locale."""
    _pybabel("init", "-i", str(POT_FILE), "-d", str(TRANSLATIONS), "-l", locale)


def init_cli(app: Flask) -> None:
    app.cli.add_command(kassa_group)
    app.cli.add_command(translate_group)
