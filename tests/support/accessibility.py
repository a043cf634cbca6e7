"""Accessibility checks with axe-core (from npm, run inside the page under test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
# Every walk looks at each page on a desktop and on a phone.
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 A/AA violations on the page as it is now.

    The browser context must bypass CSP: axe is injected as a script the page did not ask for.
    """
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
