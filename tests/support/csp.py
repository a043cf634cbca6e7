"""Content Security Policy violations in the browser, on the page and in every frame in it.

Two witnesses, so that neither can miss one: the ``securitypolicyviolation`` event each document
fires (a script added before any of the page's own, in every frame, hands it to the test), and
the console error Chromium writes for every refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import ConsoleMessage, Page

# Runs in every document the page opens, frames included, before their own scripts.
LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.reportPolicyViolation({
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI || 'inline',
    document: event.documentURI,
    sample: event.sample || '',
  });
});
"""


@dataclass
class PolicyWatch:
    """Every violation reported while the test ran, as readable lines."""

    page: Page
    violations: list[str] = field(default_factory=list)

    def seen(self) -> list[str]:
        """The violations so far, after a round trip to the page: the reports the page sent
        before it are handed over first (the sync API delivers them only while it waits)."""
        self.page.evaluate("0")
        return list(self.violations)

    def _event(self, _source: Any, details: dict[str, str]) -> None:
        self.violations.append(
            f"{details['directive']} refused {details['blocked']} on {details['document']}"
            + (f" ({details['sample']})" if details["sample"] else "")
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text}")


def watch_policy(page: Page) -> PolicyWatch:
    """Start collecting the page's CSP violations (call before the first navigation)."""
    watch = PolicyWatch(page)
    page.expose_binding("reportPolicyViolation", watch._event)
    page.add_init_script(LISTENER)
    page.on("console", watch._console)
    return watch
