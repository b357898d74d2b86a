"""`flask attendance prune`: old attendance goes (after a dry run that changes nothing)."""

from datetime import UTC, date, datetime

import pytest

from educatenext.attendance.retention import retention_cutoff

pytestmark = pytest.mark.mongo


def _record(school, day):
    student = school["student_record"]
    return {
        "institutionId": school["institution"]["_id"],
        "studentId": student["_id"],
        "classroomId": school["classroom"]["_id"],
        "date": day,
        "status": "present",
    }


def test_old_attendance_is_deleted_in_every_school_after_a_dry_run(app, world, db, api):
    old, recent = datetime(2019, 3, 4, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)
    for school in (world["a"], world["b"]):
        db.attendance.insert_many([_record(school, old), _record(school, recent)])
    db.attendance_days.insert_one(
        {"institutionId": world["a"]["institution"]["_id"], "date": old, "classroomIds": []}
    )
    student = str(world["a"]["student_record"]["_id"])
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["attendance", "prune", "--older-than-years", "5", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete 2 attendance records" in dry.output
    assert db.attendance.count_documents({}) == 4

    done = runner.invoke(args=["attendance", "prune", "--older-than-years", "5"])
    assert done.exit_code == 0, done.output
    assert "deleted 2 attendance records" in done.output
    assert [r["date"].year for r in db.attendance.find()] == [2026, 2026]
    assert db.attendance_days.count_documents({"date": old}) == 0
    school_a = world["a"]["institution"]["_id"]
    event = db.audit_events.find_one({"action": "retention_delete", "institutionId": school_a})
    assert event["details"]["records"] == 1
    listed = api("admin").get(f"/attendance?studentId={student}&page=1&limit=50").get_json()
    items = listed["data"] if isinstance(listed, dict) else listed
    assert [item["date"][:4] for item in items] == ["2026"]  # the API shows what is left


def test_prune_needs_a_retention_period_and_cutoffs_handle_leap_days(app, world):
    result = app.test_cli_runner().invoke(args=["attendance", "prune"])
    assert result.exit_code != 0
    assert "ATTENDANCE_RETENTION_YEARS" in result.output
    assert retention_cutoff(date(2028, 2, 29), 3) == datetime(2025, 2, 28, tzinfo=UTC)
    assert retention_cutoff(date(2026, 12, 7), 5) == datetime(2021, 12, 7, tzinfo=UTC)
