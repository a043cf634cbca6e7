"""The checkout depends only on the layers below it (docs/architecture.md, "How documents plug
into the checkout"): documents point at the checkout, never the other way round. Read from the
source with ``ast``, so an import inside a function or under ``TYPE_CHECKING`` counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import app.checkout as checkout_package

CHECKOUT = Path(checkout_package.__file__).parent

# What the checkout may import: itself, and the packages below it.
CHECKOUT_DEPENDS_ON = (
    "app.checkout",
    "app.core",  # money, pricing, methods, tokens, crypto: pure code
    "app.extensions",
    "app.config",
    "app.mail",
    "app.web",  # rendering, forms, browser, safety, rate limits
    "app.merchants",  # the merchant, the shared model bases, ServiceError
    "app.settings",  # the checkout configuration it applies: methods, questions, fees, codes
    "app.catalog",  # products and prices as the pricing engine takes them
    "app.processors",  # the gateway to Stripe
    "app.payments",  # the one recording path and its Payment records
)


def imported_modules(source: Path) -> set[str]:
    """Every ``app`` module a file imports (``from app import x`` counts as ``app.x``)."""
    tree = ast.parse(source.read_text(), filename=str(source))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{source.name}: relative imports hide what is imported"
            module = node.module or ""
            if module == "app":
                modules |= {f"app.{alias.name}" for alias in node.names}
            else:
                modules.add(module)
    return {module for module in modules if module == "app" or module.startswith("app.")}


def allowed(module: str) -> bool:
    return any(module == base or module.startswith(base + ".") for base in CHECKOUT_DEPENDS_ON)


def test_the_checkout_imports_no_document_package() -> None:
    sources = sorted(CHECKOUT.rglob("*.py"))
    assert len(sources) > 5  # the package was found
    outside = {
        f"{source.relative_to(CHECKOUT)}: {module}"
        for source in sources
        for module in imported_modules(source)
        if not allowed(module)
    }
    assert outside == set()


def test_the_architecture_test_sees_a_feature_import(tmp_path: Path) -> None:
    """The reader above finds each way of naming a feature package."""
    source = tmp_path / "example.py"
    source.write_text(
        "import app.links.models\n"
        "from app import storefront\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from app.invoices.models import Invoice\n"
        "def later():\n"
        "    from app.quotes import service\n"
    )
    found = imported_modules(source)
    assert found == {"app.links.models", "app.storefront", "app.invoices.models", "app.quotes"}
    assert not any(allowed(module) for module in found)
