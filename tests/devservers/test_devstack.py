"""make run / make migrate: each checkout uses its own embedded server, never another's."""

import json

import pytest

from devservers import devstack
from devservers.processes import MongoServer


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A second checkout's var/ (its own data dir and record)."""
    var = tmp_path / "var"
    var.mkdir()
    monkeypatch.setattr(devstack, "VAR", var)
    monkeypatch.setattr(devstack, "EMBEDDED_RECORD", var / "embedded-mongo.json")
    return var


@pytest.fixture
def other_checkouts_server(tmp_path, monkeypatch):
    """Another checkout's embedded server on this checkout's default port."""
    server = MongoServer(tmp_path / "other-data").start(timeout=60)
    monkeypatch.setattr(devstack, "DEFAULT_MONGO_PORT", server.port)
    yield server
    server.stop()


def test_a_second_checkout_starts_its_own_server_and_its_targets_find_it(
    checkout, other_checkouts_server
):
    """The default port is taken: a free one, recorded; the next target reuses it."""
    env, started = {}, []
    devstack.ensure_mongo(env, started)
    try:
        record = json.loads((checkout / "embedded-mongo.json").read_text())
        assert record["port"] != other_checkouts_server.port
        assert f":{record['port']}/" in env["MONGO_URI"]
        assert record["data"] == str(checkout / "mongo")
        again, more = {}, []
        devstack.ensure_mongo(again, more)
        assert (again["MONGO_URI"], more) == (env["MONGO_URI"], [])
    finally:
        for process in started:
            process.stop()
        devstack.forget_embedded_server(started)
    assert not (checkout / "embedded-mongo.json").exists()


def test_an_explicit_port_held_by_another_process_is_refused(
    checkout, other_checkouts_server, monkeypatch
):
    """EMBEDDED_MONGO_PORT naming a taken port: a clear refusal, not another's data."""
    env = {"EMBEDDED_MONGO_PORT": str(other_checkouts_server.port)}
    with pytest.raises(SystemExit, match="in use by another process"):
        devstack.ensure_mongo(env, [])
    assert "MONGO_URI" not in env


def test_a_stale_record_is_not_trusted(checkout):
    """A record whose process is gone (or is not this data dir's server) is ignored."""
    (checkout / "embedded-mongo.json").write_text(json.dumps({"port": 1, "pid": 1, "data": "x"}))
    assert devstack.own_embedded_server(checkout / "mongo") is None
    (checkout / "embedded-mongo.json").write_text("not json")
    assert devstack.own_embedded_server(checkout / "mongo") is None


def test_production_secrets_from_an_older_checkout_gain_only_the_missing_ones(checkout):
    # MFA_SECRET_KEY ends in SECRET_KEY: names are matched whole, not as substrings.
    (checkout / "deploy-secrets.env").write_text("MFA_SECRET_KEY=kept-mfa\nJWT_SECRET=kept-too\n")
    env = {}
    devstack.production_env(env)
    assert (env["MFA_SECRET_KEY"], env["JWT_SECRET"]) == ("kept-mfa", "kept-too")
    assert len(env["SECRET_KEY"]) >= 32
    assert len(env["QR_SECRET"]) >= 32
    again = {}
    devstack.production_env(again)
    assert again == env  # written once, then reused
