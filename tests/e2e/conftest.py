"""End-to-end fixtures: every test here drives Kassa served by gunicorn in Debian's Chromium."""

from __future__ import annotations

import pytest

from tests.support.servers import LiveServer


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
