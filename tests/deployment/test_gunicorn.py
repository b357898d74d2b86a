"""gunicorn.conf.py under load: a graceful reload (HUP) loses no request."""

import http.client
import signal
import threading
import time

import pytest

from devservers.processes import GunicornServer

pytestmark = pytest.mark.slow


@pytest.fixture
def gunicorn(server_env, tmp_path):
    server = GunicornServer(server_env, workers=2, log_path=tmp_path / "gunicorn.log").start()
    yield server
    server.stop()


def hammer(port, stop, outcomes):
    """Keep-alive client issuing /ready until told to stop; records every outcome."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        try:
            connection.request("GET", "/ready")
            response = connection.getresponse()
            response.read()
            outcomes.append(response.status)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as error:
            outcomes.append(type(error).__name__)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.close()


def test_hup_reload_under_load_loses_no_request(gunicorn):
    stop, outcomes = threading.Event(), []
    clients = [threading.Thread(target=hammer, args=(gunicorn.port, stop, outcomes))
               for _ in range(4)]  # fmt: skip
    for client in clients:
        client.start()
    time.sleep(1.5)
    before = len(outcomes)
    gunicorn.process.send_signal(signal.SIGHUP)  # new workers start, old ones finish and exit
    time.sleep(4)
    stop.set()
    for client in clients:
        client.join(15)
    assert len(outcomes) - before > 50  # requests kept flowing through the reload
    failures = [outcome for outcome in outcomes if outcome != 200]
    assert failures == []
    log = (gunicorn.log_path).read_text()
    assert "Handling signal: hup" in log.lower() or "hang up" in log.lower()
