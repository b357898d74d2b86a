"""Configuration from the environment; production refuses insecure settings."""

import pytest

from educatenext import create_app
from educatenext.config import (
    DEV_SECRET,
    Config,
    ProductionConfig,
    env_bool,
    env_float,
    env_int,
    env_list,
    load_config,
)

STRONG = "s" * 40


@pytest.fixture
def production_env(monkeypatch):
    """A complete, safe production environment."""
    monkeypatch.setenv("EDUCATENEXT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("JWT_SECRET", "j" * 40)
    monkeypatch.setenv("QR_SECRET", "q" * 40)
    monkeypatch.setenv("MFA_SECRET_KEY", "m" * 40)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("MONGO_URI", "mongodb://db.internal/educatenext")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return monkeypatch


def test_production_starts_with_safe_settings(production_env):
    app = create_app()
    assert app.config["ENV_NAME"] == "production"
    assert app.config["DOCS_ENABLED"] is False
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis+onetrip://")


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SECRET_KEY", DEV_SECRET, "SECRET_KEY must be set"),
        ("JWT_SECRET", "short", "JWT_SECRET must be set"),
        ("QR_SECRET", "", "QR_SECRET must be set"),
        ("MFA_SECRET_KEY", DEV_SECRET, "MFA_SECRET_KEY must be set"),
        ("MFA_SECRET_KEY", "j" * 40, "MFA_SECRET_KEY must differ"),
        ("FLASK_DEBUG", "1", "debug mode must be off"),
        ("REDIS_URL", "", "REDIS_URL is required"),
        ("RATELIMIT_ENABLED", "false", "rate limiting must stay enabled"),
    ],
)
def test_production_refuses_insecure_settings(production_env, variable, value, problem):
    production_env.setenv(variable, value)
    with pytest.raises(RuntimeError, match=problem):
        create_app()


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("EDUCATENEXT_ENV", "staging-ish")
    with pytest.raises(RuntimeError, match="EDUCATENEXT_ENV"):
        load_config()


def test_environment_variables_are_typed(monkeypatch):
    monkeypatch.setenv("MONGO_MAX_POOL_SIZE", "25")
    monkeypatch.setenv("REDIS_SOCKET_TIMEOUT", "0.5")
    monkeypatch.setenv("FLAG", "yes")
    monkeypatch.setenv("ITEMS", "a, b,,c")
    config = Config()
    assert config.MONGO_MAX_POOL_SIZE == 25
    assert config.REDIS_SOCKET_TIMEOUT == 0.5
    assert env_bool("FLAG", False) is True
    assert env_bool("MISSING", True) is True
    assert env_list("ITEMS", []) == ["a", "b", "c"]
    assert env_list("MISSING", ("x",)) == ["x"]
    monkeypatch.setenv("BAD", "many")
    with pytest.raises(RuntimeError, match="BAD must be an integer"):
        env_int("BAD", 1)
    with pytest.raises(RuntimeError, match="BAD must be a number"):
        env_float("BAD", 1.0)


def test_overrides_and_instances(monkeypatch):
    monkeypatch.delenv("EDUCATENEXT_ENV", raising=False)
    assert load_config({"PAGINATION_MAX_LIMIT": 7}).PAGINATION_MAX_LIMIT == 7
    instance = ProductionConfig.__new__(ProductionConfig)
    assert load_config(instance) is instance


def test_pool_options_reach_the_client(app):
    from educatenext.extensions import mongo

    with app.app_context():
        options = mongo.client.options
        assert options.pool_options.max_pool_size == 10
        assert options.pool_options.min_pool_size == 1
        assert options.pool_options.max_idle_time_seconds == 30
        assert options.timeout == 5.0
        assert options.write_concern.document == {"w": "majority", "j": True}
        assert options.retry_writes is True
        assert options.codec_options.tz_aware is True


def test_serving_without_redis_warns_loudly(make_app, caplog):
    from educatenext import warn_if_degraded

    warn_if_degraded(make_app(migrate=False, REDIS_URL=None))
    assert "REDIS_URL is not set" in caplog.text
