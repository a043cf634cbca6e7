"""The layering the code keeps (docs/architecture.md, "Layers"), checked by reading its imports.

From the bottom: ``app/core`` (pure: no Flask, no database), ``app/extensions.py`` and
``app/data`` (the bases every model takes), ``app/merchants`` (accounts, login, scoping), then
the features, which point down at the merchant and never the reverse.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP = PROJECT_ROOT / "app"

# What app/merchants may build on; any other part of Kassa is a feature (or above them).
BELOW_MERCHANTS = ("app.core", "app.data", "app.web", "app.extensions", "app.config", "app.mail")


def imported_modules(path: Path, root: Path = PROJECT_ROOT) -> set[str]:
    """Every module a file imports, anywhere in it (functions and TYPE_CHECKING blocks too),
    with ``from app import mail`` counted as ``app.mail``."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names if module == "app"}
    return found


def imports_in(folder: Path) -> dict[str, set[str]]:
    return {
        str(path.relative_to(PROJECT_ROOT)): imported_modules(path)
        for path in sorted(folder.rglob("*.py"))
    }


def is_within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def test_the_merchants_package_imports_no_feature() -> None:
    """Features point at the merchant (its models, login, scoping); the merchants package
    never points back at them."""
    upward = {
        file: sorted(
            module
            for module in modules
            if is_within(module, ("app",))
            and module != "app"
            and not is_within(module, ("app.merchants", *BELOW_MERCHANTS))
        )
        for file, modules in imports_in(APP / "merchants").items()
    }
    assert {file: modules for file, modules in upward.items() if modules} == {}


def test_core_stays_pure() -> None:
    """No Flask, no database, nothing of Kassa outside core."""
    forbidden = ("flask", "flask_babel", "werkzeug", "sqlalchemy", "stripe", "app")
    impure = {
        file: sorted(
            module
            for module in modules
            if is_within(module, forbidden) and not is_within(module, ("app.core",))
        )
        for file, modules in imports_in(APP / "core").items()
    }
    assert {file: modules for file, modules in impure.items() if modules} == {}


def test_the_model_bases_sit_below_every_feature() -> None:
    """app/data takes only core and the extensions: no merchant, no feature."""
    upward = {
        file: sorted(
            module
            for module in modules
            if is_within(module, ("app",))
            and not is_within(module, ("app.data", "app.core", "app.extensions"))
        )
        for file, modules in imports_in(APP / "data").items()
    }
    assert {file: modules for file, modules in upward.items() if modules} == {}


def test_only_the_processors_package_imports_stripe() -> None:
    outside = {
        file
        for file, modules in imports_in(APP).items()
        if any(is_within(module, ("stripe",)) for module in modules)
        and not file.startswith("app/processors/")
    }
    assert outside == set()


def test_app_models_imports_every_models_module() -> None:
    from app.models import MODEL_MODULES

    every = sorted(f"app.{path.parent.name}.models" for path in APP.glob("*/models.py"))
    assert sorted(module.__name__ for module in MODEL_MODULES) == every


def run_fresh(code: str, instance: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter, with nothing imported before it: as a script or a
    task would."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**os.environ, "KASSA_INSTANCE_PATH": str(instance)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CONFIGURE = "from sqlalchemy.orm import configure_mappers\nconfigure_mappers()\n"


def test_a_script_may_import_the_merchant_alone_and_configure(tmp_path: Path) -> None:
    """And the merchant then has what the features declare on it, as in the app."""
    done = run_fresh(
        "from app.merchants.models import Merchant\n"
        + CONFIGURE
        + "assert Merchant.checkout_settings and Merchant.processor_connection\n",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "statement",
    [
        # A relationship to another feature's model, named by string (payments import no
        # checkout code).
        "from app.payments.models import Payment",
        # Models that declare what the merchant holds of them.
        "from app.settings.models import CheckoutSettings",
        "from app.processors.models import ProcessorConnection",
        "from app.storefront.models import Cart",
    ],
)
def test_a_script_may_import_one_features_models_alone_and_configure(
    statement: str, tmp_path: Path
) -> None:
    done = run_fresh(f"{statement}\n{CONFIGURE}", tmp_path)
    assert done.returncode == 0, done.stderr


# The checkout depends only on the layers below it (docs/architecture.md, "How documents plug
# into the checkout"): documents point at the checkout, never the other way round.
CHECKOUT_DEPENDS_ON = (
    "app.checkout",
    "app.core",  # money, pricing, methods, tokens, crypto: pure code
    "app.data",  # the shared model bases
    "app.extensions",
    "app.config",
    "app.mail",
    "app.web",  # rendering, forms, browser, safety, rate limits
    "app.merchants",  # the merchant and its login
    "app.settings",  # the checkout configuration it applies: methods, questions, fees, codes
    "app.catalog",  # products and prices as the pricing engine takes them
    "app.processors",  # the gateway to Stripe
    "app.payments",  # the one recording path and its Payment records
    "app.customers",  # below payments: a customer's export and erasure take the checkouts
)


def test_the_checkout_imports_no_document_package() -> None:
    checkout = imports_in(APP / "checkout")
    assert len(checkout) > 5  # the package was found
    outside = {
        f"{file}: {module}"
        for file, modules in checkout.items()
        for module in modules
        if is_within(module, ("app",))
        and module != "app"
        and not is_within(module, CHECKOUT_DEPENDS_ON)
    }
    assert outside == set()


def test_the_import_reader_sees_every_way_of_naming_a_feature(tmp_path: Path) -> None:
    """An import inside a function or under ``TYPE_CHECKING`` counts too."""
    source = tmp_path / "app" / "example.py"
    source.parent.mkdir()
    source.write_text(
        "import app.links.models\n"
        "from app import storefront\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from app.invoices.models import Invoice\n"
        "def later():\n"
        "    from app.quotes import service\n"
    )
    found = imported_modules(source, root=tmp_path) - {"app", "typing"}
    assert found == {"app.links.models", "app.storefront", "app.invoices.models", "app.quotes"}
    assert not any(is_within(module, CHECKOUT_DEPENDS_ON) for module in found)
