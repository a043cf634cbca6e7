"""End-to-end fixtures: every test here drives Kassa served by gunicorn in Debian's Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.accessibility import VIEWPORTS
from tests.support.checkout import MerchantPanel, Shop, merchant_panel, open_shop
from tests.support.servers import LiveServer
from tests.support.stripe_sandbox import StripeSandbox

# A person waits longer than Playwright's five seconds for a page on a busy machine (CI's two
# cores run a browser, gunicorn, the sandbox and the tests at once): an assertion still fails,
# only later. Passing tests are not slowed.
expect.set_options(timeout=15_000)


@pytest.fixture(params=sorted(VIEWPORTS))
def axe_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORTS[request.param])
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture
def shop(base_url: str, stripe_sandbox: StripeSandbox) -> Shop:
    """A Swedish merchant selling in SEK, connected to a new sandbox account."""
    return open_shop(base_url, stripe_sandbox)


@pytest.fixture
def panel_of(browser: Browser) -> Iterator[Callable[[Shop], MerchantPanel]]:
    """Opens a merchant's panel in a browser context of their own (closed after the test)."""
    contexts: list[BrowserContext] = []

    def open_panel(shop: Shop) -> MerchantPanel:
        opened = merchant_panel(browser, shop)
        contexts.append(opened.context)
        return opened

    yield open_panel
    for context in contexts:
        context.close()


@pytest.fixture
def panel(panel_of: Callable[[Shop], MerchantPanel], shop: Shop) -> MerchantPanel:
    """The ``shop`` merchant's panel."""
    return panel_of(shop)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
