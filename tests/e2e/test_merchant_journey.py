"""A new merchant's first visit, as a person would do it in a browser."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.accounts import sign_up_link_path
from tests.support.mailbox import Mailbox

OWNER_EMAIL = "ella@lindqvist.example"
OWNER_PASSWORD = "vinter-kaffe-2026"
STAFF_EMAIL = "sam@lindqvist.example"
STAFF_PASSWORD = "sommar-te-2026!"


def sign_up(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Business name").fill("Lindqvist Keramik")
    page.get_by_label("Country").select_option(label="Sweden")
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(base_url + sign_up_link_path(OWNER_EMAIL))
    page.get_by_role("button", name="Open my account").click()


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_log_in_in_swedish_and_invite_staff(
    page: Page, browser: Browser, base_url: str, mailbox: Mailbox
) -> None:
    sign_up(page, base_url)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Welcome to Kassa, Lindqvist Keramik!")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    log_in(page, base_url, OWNER_EMAIL, OWNER_PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.get_by_label("Language").select_option(label="Svenska")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("heading", name="Översikt")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Huvudmeny")
    expect(navigation.get_by_text("Betalningslänkar")).to_be_visible()

    navigation.get_by_role("link", name="Team").click()
    page.get_by_label("E-post").fill(STAFF_EMAIL)
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_text(f"Inbjudan skickad till {STAFF_EMAIL}.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=STAFF_EMAIL)).to_be_visible()

    email = mailbox.wait_for(STAFF_EMAIL)
    assert email.subject == "Du är inbjuden till Lindqvist Keramik på Kassa"
    link = re.search(r"http://\S+/invitations/\S+", email.text)
    assert link, email.text

    staff = browser.new_page()
    staff.goto(link.group(0))
    expect(staff.get_by_role("heading", name="Join Lindqvist Keramik")).to_be_visible()
    staff.get_by_label("Your name").fill("Sam Berg")
    staff.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    staff.get_by_label("Repeat password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Join the team").click()
    expect(staff.get_by_text("Welcome to Lindqvist Keramik's team!")).to_be_visible()

    staff.get_by_role("button", name="Log out").click()
    log_in(staff, base_url, STAFF_EMAIL, STAFF_PASSWORD)
    expect(staff.get_by_role("heading", name="Dashboard")).to_be_visible()
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(staff.get_by_role("cell", name=STAFF_EMAIL)).to_be_visible()
    expect(staff.get_by_role("button", name="Send invitation")).to_have_count(0)
    staff.close()


def test_bad_sign_up_keeps_what_was_typed(page: Page, base_url: str) -> None:
    page.goto(base_url + "/signup")
    page.get_by_label("Business name").fill("Nordlys Design")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("alert")).to_contain_text("Please correct the highlighted fields.")
    expect(page.get_by_text("Choose your country.")).to_be_visible()
    expect(page.get_by_text("Enter an email address like name@example.com.")).to_be_visible()
    expect(page.get_by_text("Use between 10 and 128 characters.")).to_be_visible()
    expect(page.get_by_label("Business name")).to_have_value("Nordlys Design")
    expect(page.get_by_label("Email")).to_have_value("not-an-email")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")


def test_panel_fits_a_phone_screen(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    sign_up(page, base_url)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
