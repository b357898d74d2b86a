"""Migrations: applied once, recorded, idempotent; the brief's indexes exist and are used."""

import importlib.util
from pathlib import Path

import click
import pytest

from educatenext.extensions import mongo
from educatenext.platform.mongo.migrations import (
    applied_ids,
    apply_pending,
    discover,
    migrate_cli,
    roll_back,
)

BRIEF_INDEXES = {
    # (collection, leading keys the brief asks for, after the tenant) -> an index must start so
    ("students", ("status",)),
    ("students", ("classroomId",)),
    ("attendance", ("studentId", "date")),
    ("attendance", ("studentId", "status", "date")),  # equality before range (ESR)
    ("grades", ("studentId", "subjectId")),
    ("grades", ("studentId", "subjectId", "academicYear", "semester")),
    ("enrollments", ("classroomId", "status")),
    ("users", ("role", "status")),
    ("assignments", ("classroomId", "dueDate")),
}


@pytest.fixture
def fresh(make_app):
    """An app whose database has no migrations applied."""
    app = make_app(migrate=False)
    with app.app_context():
        yield app, mongo.db


def test_first_run_applies_and_records_second_run_applies_nothing(fresh):
    app, db = fresh
    lines = []
    applied = apply_pending(db, app.config["MIGRATIONS_DIR"], echo=lines.append)
    assert applied[0] == "0001_initial_indexes"
    record = db.migrations.find_one({"_id": "0001_initial_indexes"})
    assert record["outcome"] == "applied"
    assert record["appliedAt"] is not None
    assert record["durationMs"] >= 0
    again = []
    assert apply_pending(db, app.config["MIGRATIONS_DIR"], echo=again.append) == []
    assert again == ["Nothing to apply: the database is up to date."]
    assert db.migration_lock.count_documents({}) == 0


def test_every_brief_index_exists_on_the_server_led_by_tenant(fresh):
    app, db = fresh
    apply_pending(db, app.config["MIGRATIONS_DIR"], echo=lambda *_: None)
    for collection, keys in BRIEF_INDEXES:
        indexes = db[collection].index_information()
        prefixes = [tuple(field for field, _ in spec["key"]) for spec in indexes.values()]
        wanted = ("institutionId", *keys)
        assert any(p[: len(wanted)] == wanted for p in prefixes), (collection, keys, prefixes)
    email = db.users.index_information()["users_email_unique"]
    assert email["unique"] is True
    assert email["partialFilterExpression"] == {"email": {"$type": "string"}}
    assert db.attendance.index_information()["attendance_tenant_student_date_id"]["key"][2] == (
        "date",
        -1,
    )


def test_tenant_queries_use_the_indexes(fresh):
    app, db = fresh
    apply_pending(db, app.config["MIGRATIONS_DIR"], echo=lambda *_: None)
    db.students.insert_many(
        [{"institutionId": n % 3, "status": "active", "classroomId": n} for n in range(30)]
    )
    plan = db.students.find({"institutionId": 1, "status": "active"}).explain()
    assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"])
    plan = db.students.find({"institutionId": 1, "classroomId": 4}).explain()
    assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"])


def test_dry_run_changes_nothing(fresh):
    app, db = fresh
    lines = []
    apply_pending(db, app.config["MIGRATIONS_DIR"], echo=lines.append, dry_run=True)
    assert lines[0].startswith("would apply 0001_initial_indexes")
    assert db.migrations.count_documents({}) == 0
    assert "users_email_unique" not in db.users.index_information()


def test_cli_status_up_and_down(fresh):
    app, db = fresh
    runner = app.test_cli_runner()
    assert "pending  0001_initial_indexes" in runner.invoke(migrate_cli, ["status"]).output
    assert "would apply" in runner.invoke(migrate_cli, ["up", "--dry-run"]).output
    assert "applied 0001_initial_indexes" in runner.invoke(migrate_cli, ["up"]).output
    assert "Nothing to apply" in runner.invoke(migrate_cli, ["up"]).output
    assert "applied  0001_initial_indexes at" in runner.invoke(migrate_cli, ["status"]).output
    out_of_order = runner.invoke(migrate_cli, ["down", "0001_initial_indexes"])
    assert out_of_order.exit_code != 0
    assert "newest first" in out_of_order.output
    for migration_id in sorted(applied_ids(db), reverse=True):
        result = runner.invoke(migrate_cli, ["down", migration_id])
        assert "rolled back" in result.output, result.output
    assert "users_email_unique" not in db.users.index_information()
    assert set(db.students.index_information()) <= {"_id_"}
    result = runner.invoke(migrate_cli, ["down", "0001_initial_indexes"])
    assert result.exit_code != 0
    assert "is not an applied migration" in result.output


def test_a_concurrent_run_is_refused_while_locked(fresh):
    app, db = fresh
    db.migration_lock.insert_one({"_id": "__lock__"})
    with pytest.raises(click.ClickException, match="holds the lock"):
        apply_pending(db, app.config["MIGRATIONS_DIR"], echo=lambda *_: None)
    assert db.migrations.count_documents({}) == 0


def test_a_failing_migration_is_recorded_and_stops_the_run(fresh, tmp_path):
    _, db = fresh
    (tmp_path / "0001_ok.py").write_text('"""Fine."""\n\ndef up(db):\n    db.t.insert_one({})\n')
    (tmp_path / "0002_bad.py").write_text(
        '"""Broken."""\n\ndef up(db):\n    raise ValueError("x")\n'
    )
    (tmp_path / "0003_later.py").write_text('"""Never reached."""\n\ndef up(db):\n    pass\n')
    (tmp_path / "notes.txt").write_text("ignored")
    with pytest.raises(ValueError, match="x"):
        apply_pending(db, tmp_path, echo=lambda *_: None)
    outcomes = {d["_id"]: d["outcome"] for d in db.migrations.find()}
    assert outcomes == {"0001_ok": "applied", "0002_bad": "failed"}
    assert db.migration_lock.count_documents({}) == 0
    with pytest.raises(click.ClickException, match="has no down"):
        roll_back(db, tmp_path, "0001_ok", echo=lambda *_: None)


def test_a_file_without_up_is_rejected(tmp_path):
    (tmp_path / "0001_empty.py").write_text('"""No up."""\n')
    with pytest.raises(RuntimeError, match="has no up"):
        discover(tmp_path)


def test_migration_files_document_themselves():
    directory = Path(__file__).resolve().parents[3] / "migrations"
    for path in directory.glob("[0-9]*.py"):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.__doc__, path.name
