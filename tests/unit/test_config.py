import pytest

from app.config import Settings
from app.core.crypto import session_signing_key
from app.web.security import content_security_policy

# Stripe's Content Security Policy guidance for Stripe.js and the Payment Element, as Stripe
# publishes it (docs.stripe.com/security/guide, "Content Security Policy").
STRIPE_GUIDANCE = {
    "script-src": (
        "https://js.stripe.com",
        "https://*.js.stripe.com",
        "https://maps.googleapis.com",
    ),
    "frame-src": ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"),
    "connect-src": ("https://api.stripe.com", "https://maps.googleapis.com"),
    "img-src": ("https://*.stripe.com",),
}


def directives_of(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = sources
    return parsed


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
    assert settings.ratelimit_storage_url == f"sqlite:///{tmp_path / 'rate-limits.db'}"


def test_production_refuses_rate_limits_counted_per_process() -> None:
    with pytest.raises(RuntimeError, match="KASSA_RATELIMIT_STORAGE_URL"):
        Settings.load(
            {
                "KASSA_ENV": "production",
                "KASSA_SECRET_KEY": "k" * 40,
                "KASSA_RATELIMIT_STORAGE_URL": "memory://",
            }
        )


def test_passwords_are_hashed_at_full_cost_unless_a_test_suite_asks() -> None:
    assert Settings.load({"KASSA_SECRET_KEY": "k" * 40}).hash_cost == "standard"
    testing = {"KASSA_ENV": "testing", "KASSA_PASSWORD_HASHING": "cheapest"}
    assert Settings.load({"KASSA_SECRET_KEY": "k" * 40, **testing}).hash_cost == "cheapest"


@pytest.mark.parametrize(
    ("env", "cost"), [("production", "cheapest"), ("development", "cheapest"), ("testing", "md5")]
)
def test_cheap_or_unknown_password_hashing_is_refused(env: str, cost: str) -> None:
    with pytest.raises(RuntimeError, match="KASSA_PASSWORD_HASHING"):
        Settings.load(
            {"KASSA_ENV": env, "KASSA_SECRET_KEY": "k" * 40, "KASSA_PASSWORD_HASHING": cost}
        )


@pytest.mark.parametrize("env", ["production", "development"])
def test_the_movable_scheduler_clock_is_refused_outside_tests(env: str) -> None:
    with pytest.raises(RuntimeError, match="KASSA_TEST_CLOCK"):
        Settings.load({"KASSA_ENV": env, "KASSA_SECRET_KEY": "k" * 40, "KASSA_TEST_CLOCK": "1"})
    assert not Settings.load({"KASSA_ENV": env, "KASSA_SECRET_KEY": "k" * 40}).test_clock
    testing = {"KASSA_ENV": "testing", "KASSA_TEST_CLOCK": "1"}
    assert Settings.load({"KASSA_SECRET_KEY": "k" * 40, **testing}).test_clock


def test_outside_production_a_missing_key_is_made_once_and_kept(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KASSA_SECRET_KEY", raising=False)
    first = Settings.load({"KASSA_INSTANCE_PATH": str(tmp_path), "KASSA_SECRET_KEY": ""})
    second = Settings.load({"KASSA_INSTANCE_PATH": str(tmp_path), "KASSA_SECRET_KEY": ""})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 40
    assert (tmp_path / "secret-key").stat().st_mode & 0o777 == 0o600


def test_the_policy_for_real_stripe_allows_every_source_stripes_guidance_lists() -> None:
    settings = Settings.load(
        {
            "KASSA_SECRET_KEY": "k" * 40,
            "KASSA_STRIPE_JS_URL": "https://js.stripe.com/v3/",
            "KASSA_STRIPE_API_BASE": "https://api.stripe.com",
        }
    )
    directives = directives_of(content_security_policy("abc123", settings.content_sources))
    for name, sources in STRIPE_GUIDANCE.items():
        for source in sources:
            assert source in directives[name], (name, source)
    # Stripe.js writes style attributes on its frames; our scripts and styles stay nonce-only.
    assert directives["style-src-attr"] == ["'unsafe-inline'"]
    for name in ("script-src", "style-src"):
        assert "'nonce-abc123'" in directives[name]
        assert "'unsafe-inline'" not in directives[name]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_a_stand_in_for_stripe_is_allowed_where_stripe_would_be() -> None:
    settings = Settings.load(
        {
            "KASSA_SECRET_KEY": "k" * 40,
            "KASSA_STRIPE_JS_URL": "http://127.0.0.1:12111/js/v3/",
            "KASSA_STRIPE_API_BASE": "http://127.0.0.1:12111",
        }
    )
    policy = content_security_policy("abc123", settings.content_sources)
    directives = directives_of(policy)
    for name in STRIPE_GUIDANCE:
        assert "http://127.0.0.1:12111" in directives[name]
    assert directives["style-src-attr"] == ["'unsafe-inline'"]
    assert "stripe.com" not in policy and "googleapis" not in policy


def test_flask_signs_sessions_with_a_key_of_its_own() -> None:
    """Not KASSA_SECRET_KEY itself, from which the key encrypting Stripe secrets comes too."""
    settings = Settings.load({"KASSA_SECRET_KEY": "k" * 40})
    signing_key = settings.flask_config()["SECRET_KEY"]
    assert signing_key == session_signing_key("k" * 40) and "k" * 40 not in signing_key
