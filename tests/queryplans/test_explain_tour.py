"""Every query shape the API issues is on an index and examines <= 1.5x what it returns."""

import pytest

from educatenext.extensions import mongo
from educatenext.queryplans.command import explain_command, run_explain

pytestmark = pytest.mark.mongo


def test_every_query_shape_is_indexed_and_selective(app):
    with app.app_context():
        verdicts, failures = run_explain(app)
        leftover = [n for n in mongo.client.list_database_names() if "_plan_tour_" in n]
    assert failures == []
    assert len(verdicts) > 40
    kinds = {v.kind for v in verdicts}
    assert kinds == {"find", "count", "aggregate", "write"}
    bad = [(v.collection, v.kind, v.stages, v.docs_examined, v.returned, v.shape)
           for v in verdicts if not v.ok]  # fmt: skip
    assert bad == []
    assert not [n for n in leftover if n.startswith(app.config["MONGO_DB_NAME"])]


def test_the_command_prints_a_table_and_exits_zero(app):
    result = app.test_cli_runner().invoke(explain_command)
    assert result.exit_code == 0, result.output
    assert " 0 failing" in result.output


def test_profile_reports_the_shapes_issued_while_it_ran(app, api):
    import threading
    import time

    from educatenext.queryplans.command import profile_command

    admin = api("admin", "a")
    admin.get("/subjects")  # log in before profiling
    result = {}

    def profile():
        result["run"] = app.test_cli_runner().invoke(profile_command, ["--seconds", "2"])

    thread = threading.Thread(target=profile)
    thread.start()
    time.sleep(0.5)  # the profiler is on
    page = 0
    while thread.is_alive():
        page += 1  # a new page each time: a response-cache hit would send no query
        admin.get(f"/students?status=active&page={page}")
        admin.get(f"/subjects?q=ma&page={page}")
        thread.join(0.05)
    output = result["run"].output
    assert result["run"].exit_code == 0, output
    assert "find students" in output
    assert '"nameLower"' in output or "nameLower" in output
    assert "operations in" in output
