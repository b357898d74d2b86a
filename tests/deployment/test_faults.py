"""Faults under load through nginx, with the client ledger (the short set; `make chaos` runs
the long one). Each: every acknowledged write reads back once, no duplicates, no 500s."""

import pytest

from devservers.chaos import (
    ChaosStack,
    describe,
    mongo_killed,
    mongo_stopped,
    redis_frozen,
    redis_killed,
    run_faults,
    transaction_interrupted,
    worker_killed,
)
from devservers.processes import nginx_binary

pytestmark = [
    pytest.mark.slow,
    pytest.mark.redis,
    pytest.mark.skipif(
        nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)"
    ),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One stack for the module: each fault leaves it repaired for the next."""
    stack = ChaosStack(tmp_path_factory.mktemp("chaos")).start()
    yield stack
    stack.stop()


def run(stack, fault):
    """One fault under a fresh load; (result, final ledger)."""
    results, final, _ = run_faults(stack, [fault], writers=2, readers=2, enrollers=1,
                                   warmup=1.0, report=lambda line: None)  # fmt: skip
    return results[0], final


def assert_ledger_clean(result, final):
    for ledger in (result["ledger"], final):
        assert ledger["acknowledged"] > 0
        assert (ledger["lost"], ledger["duplicates"], ledger["unreadable"]) == (0, 0, 0)
        assert ledger["half_applied"] == 0
        assert ledger["gave_up"] == 0
    assert result["window"]["500"] == 0
    assert result["window"]["non_json_5xx"] == 0


def test_redis_killed_and_restarted(stack):
    result, final = run(stack, lambda s, load: redis_killed(s, load, outage=3.0))
    assert result["checks"] == dict.fromkeys(result["checks"], True), describe(result)
    assert result["window"]["5xx"] == 0
    assert_ledger_clean(result, final)


def test_redis_frozen(stack):
    result, final = run(stack, lambda s, load: redis_frozen(s, load, outage=3.0))
    assert result["checks"] == dict.fromkeys(result["checks"], True), describe(result)
    assert_ledger_clean(result, final)


def test_mongo_stopped_and_restarted(stack):
    result, final = run(stack, lambda s, load: mongo_stopped(s, load, outage=4.0))
    assert result["checks"] == dict.fromkeys(result["checks"], True), describe(result)
    assert result["window"]["statuses"].get("503", 0) > 0  # the outage was seen
    assert_ledger_clean(result, final)


def test_worker_killed_mid_writes(stack):
    result, final = run(stack, lambda s, load: worker_killed(s, load, kills=2, interval=1.5))
    assert result["checks"] == dict.fromkeys(result["checks"], True), describe(result)
    assert_ledger_clean(result, final)


def test_mongo_killed_mid_writes_loses_no_acknowledged_write(stack):
    result, final = run(stack, lambda s, load: mongo_killed(s, load, outage=3.0))
    assert result["checks"] == dict.fromkeys(result["checks"], True), describe(result)
    assert result["ledger"]["enrollments"] > 0  # transactions were in the fault's window
    assert_ledger_clean(result, final)


@pytest.mark.parametrize("after_commit", [False, True], ids=["commit-unsent", "answer-lost"])
@pytest.mark.parametrize("target", ["enrollment", "payment"])
def test_a_worker_killed_inside_a_transaction_applies_it_once(stack, target, after_commit):
    result, final = run(stack, transaction_interrupted(target, after_commit))
    assert result["checks"] == dict.fromkeys(result["checks"], True), describe(result)
    assert_ledger_clean(result, final)
