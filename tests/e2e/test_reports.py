"""A merchant reads their revenue in Chromium: the report by week, its chart and the same
figures as a table, in English and in Swedish."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from flask import Flask
from playwright.sync_api import expect

from app.core.money import Money
from tests.integration.test_payments import record
from tests.support.checkout import MerchantPanel, Shop
from tests.support.payments import merchant_id, open_checkout, pay_as_buyer


def paid_payments(app: Flask, shop: Shop, amounts: list[tuple[int, str]]) -> None:
    """Card payments of the shop's merchant, made and recorded through the sandbox."""
    merchant = merchant_id(app, shop.owner_email)
    for number, (amount, document_type) in enumerate(amounts):
        reference = f"chk_report_{number}"
        checkout = open_checkout(
            app, merchant, Money(amount, "SEK"), reference=reference, document_type=document_type
        )
        pay_as_buyer(shop.sandbox, shop.account, checkout.intent, payment_method="pm_card_visa")
        record(app, merchant, checkout.intent.id)


def test_the_merchant_reads_the_weeks_revenue_as_a_chart_and_a_table(
    app: Flask, shop: Shop, panel: MerchantPanel
) -> None:
    paid_payments(app, shop, [(12500, "payment_link"), (30000, "cart")])
    page = panel.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Revenue", level=1)).to_be_visible()

    page.get_by_role("radio", name="Weekly").check()
    page.get_by_role("button", name="Show report").click()
    expect(page).to_have_url(re.compile(r"period=week"))
    chart = page.get_by_role("img", name="Gross and net in Swedish Krona")
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Revenue in Swedish Krona by period")
    this_week = table.get_by_role("row").filter(has_text="Week of")
    expect(this_week.last).to_contain_text("425.00")
    by_document = page.get_by_role("table", name="Revenue in Swedish Krona by document")
    expect(by_document.get_by_role("row", name=re.compile("Storefront"))).to_contain_text("300.00")
    expect(page.get_by_role("table", name="Net by the day it is available")).to_be_visible()

    page.get_by_label("Language").select_option(label="Svenska")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("heading", name="Intäkter", level=1)).to_be_visible()
    expect(page.get_by_role("radio", name="Per vecka")).to_be_checked()
    expect(page.get_by_role("img", name=re.compile("^Brutto och netto i"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"425,00"))).not_to_have_count(0)


def test_the_merchant_downloads_the_payments_as_csv_for_their_country(
    app: Flask, shop: Shop, panel: MerchantPanel
) -> None:
    paid_payments(app, shop, [(12550, "payment_link")])
    page = panel.page
    page.goto(shop.base_url + "/panel/reports/")
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", name="Exports", level=1)).to_be_visible()
    expect(page.get_by_role("radio", name="Semicolons")).to_be_checked()  # Sweden's
    page.get_by_role("radio", name="Payments").check()
    page.get_by_label("Method").select_option(label="Card")
    with page.expect_download() as started:
        page.get_by_role("button", name="Download", exact=True).click()
    download = started.value
    assert download.suggested_filename.startswith("payments-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    header, charge = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:2] == ["Type", "Date"] and charge[0] == "Charge"
    assert charge[7] == "125,50" and charge[12] == "Card"
