import pytest

from app.config import Settings
from app.core.crypto import session_signing_key


def test_overrides_win_and_derive_the_rest() -> None:
    settings = Settings.load(
        {
            "KASSA_SECRET_KEY": "k" * 40,
            "KASSA_PUBLIC_URL": "https://shop.example/",
            "KASSA_REDIS_URL": "redis://127.0.0.1:6379/0",
            "KASSA_STRIPE_JS_URL": "http://127.0.0.1:12111/js/v3/",
            "KASSA_STRIPE_API_BASE": "http://127.0.0.1:12111/",
        }
    )
    assert settings.public_url == "https://shop.example"
    assert settings.secure_cookies is True
    assert settings.ratelimit_storage_url == "redis://127.0.0.1:6379/0"
    assert settings.stripe_api_base == "http://127.0.0.1:12111"
    assert settings.stripe_origins == ("http://127.0.0.1:12111",)
    assert settings.flask_config()["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KASSA_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="KASSA_SECRET_KEY"):
        Settings.load({"KASSA_ENV": "production", "KASSA_SECRET_KEY": ""})


def test_development_defaults_to_sqlite_in_the_instance_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.load({"KASSA_INSTANCE_PATH": str(tmp_path), "KASSA_DATABASE_URL": ""})
    assert settings.database_url == f"sqlite:///{tmp_path / 'kassa.db'}"
    assert settings.tasks_immediate is True


def test_outside_production_a_missing_key_is_made_once_and_kept(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KASSA_SECRET_KEY", raising=False)
    first = Settings.load({"KASSA_INSTANCE_PATH": str(tmp_path), "KASSA_SECRET_KEY": ""})
    second = Settings.load({"KASSA_INSTANCE_PATH": str(tmp_path), "KASSA_SECRET_KEY": ""})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 40
    assert (tmp_path / "secret-key").stat().st_mode & 0o777 == 0o600


def test_flask_signs_sessions_with_a_key_of_its_own() -> None:
    """Not KASSA_SECRET_KEY itself, from which the key encrypting Stripe secrets comes too."""
    settings = Settings.load({"KASSA_SECRET_KEY": "k" * 40})
    signing_key = settings.flask_config()["SECRET_KEY"]
    assert signing_key == session_signing_key("k" * 40) and "k" * 40 not in signing_key
