"""Client addresses: X-Forwarded-For is trusted only for the configured number of proxies."""


def fail_login(client, forwarded):
    """A wrong-password login from behind a (maybe forged) proxy header."""
    return client.post(
        "/api/v1/auth/login",
        json={"email": "x@a.test", "password": "nope-nope-1"},
        headers={"X-Forwarded-For": forwarded},
    )


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(make_app):
    app = make_app(LOGIN_RATE_LIMIT_PER_IP="2 per minute", LOGIN_LOCKOUT_THRESHOLD=100)
    client = app.test_client()
    assert fail_login(client, "1.1.1.1").status_code == 400
    assert fail_login(client, "2.2.2.2").status_code == 400
    # Forging another address does not buy a new budget: the socket address counts.
    assert fail_login(client, "3.3.3.3").status_code == 429


def test_one_trusted_proxy_means_the_last_hop_it_added(make_app):
    app = make_app(
        TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT_PER_IP="1 per minute", LOGIN_LOCKOUT_THRESHOLD=100
    )
    client = app.test_client()
    assert fail_login(client, "9.9.9.9, 10.0.0.1").status_code == 400
    # The client forged the first entry; nginx appended the real address (10.0.0.1) last.
    assert fail_login(client, "8.8.8.8, 10.0.0.1").status_code == 429
    assert fail_login(client, "9.9.9.9, 10.0.0.2").status_code == 400


def _gunicorn_conf(monkeypatch, tmp_path):
    """gunicorn.conf.py loaded as a module."""
    import importlib.util
    from pathlib import Path

    # The config sets PROMETHEUS_MULTIPROC_DIR when missing; keep that out of this process.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    path = Path(__file__).resolve().parents[3] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_gunicorn_logs_use_the_app_json_format(monkeypatch, tmp_path):
    conf = _gunicorn_conf(monkeypatch, tmp_path)
    formatter = conf.logconfig_dict["formatters"]["json"]["()"]
    assert formatter == "educatenext.platform.http.requestlog.JSONFormatter"
    assert conf.logconfig_dict["root"]["handlers"] == []  # the app adds its handler: no duplicates
    assert (
        conf.logconfig_dict["loggers"]["gunicorn.access"]["handlers"] == []
    )  # the app logs requests
    assert conf.timeout < 60  # below nginx's default proxy_read_timeout


def test_gunicorn_builds_no_access_line_while_its_access_logger_is_off(monkeypatch, tmp_path):
    import logging

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    conf = _gunicorn_conf(monkeypatch, tmp_path)
    cfg = Config()
    # Like the deployed config: a logging config that silences gunicorn.access.
    silenced = {"version": 1, "disable_existing_loggers": False,
                "loggers": {"gunicorn.access": {"handlers": [], "level": "CRITICAL"}}}  # fmt: skip
    cfg.set("logconfig_dict", silenced)
    assert Logger(cfg).access_log_enabled  # gunicorn alone would format every request's line
    ours = conf.SilencedAccessLogger(cfg)
    assert not ours.access_log_enabled
    logging.getLogger("gunicorn.access").setLevel(logging.INFO)
    try:
        assert ours.access_log_enabled  # an operator who turns the access log on gets it
    finally:
        logging.getLogger("gunicorn.access").setLevel(logging.CRITICAL)
