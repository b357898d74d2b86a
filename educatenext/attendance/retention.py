"""`flask attendance prune`: delete attendance older than the retention period, per school."""

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from educatenext.attendance.repository import AttendanceDayRepository, AttendanceRepository
from educatenext.audit.recorder import write_event
from educatenext.institutions.repository import InstitutionRepository
from educatenext.platform.mongo.repository import TenantScope


def retention_cutoff(today, years):
    """Midnight UTC of the same calendar day `years` ago (28 February for a 29th)."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def prune_school(institution_id, cutoff, dry_run):
    """(records, days) of one school before cutoff, deleted unless dry_run; audited."""
    scope = TenantScope.of(institution_id)
    records = AttendanceRepository(scope)
    if dry_run:
        return records.count_before(cutoff), None
    deleted = records.delete_before(cutoff), AttendanceDayRepository(scope).delete_before(cutoff)
    if deleted[0]:
        write_event({"institutionId": institution_id, "action": "retention_delete",
                     "resourceType": "attendance", "resourceIds": [], "fields": [],
                     "details": {"before": cutoff, "records": deleted[0],
                                 "days": deleted[1]}})  # fmt: skip
    return deleted


@click.group("attendance")
def attendance_cli():
    """Attendance maintenance."""


@attendance_cli.command("prune")
@click.option("--older-than-years", type=click.IntRange(min=1), default=None,
              help="Retention in years (default: ATTENDANCE_RETENTION_YEARS).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
@with_appcontext
def prune_command(older_than_years, dry_run):
    """Delete every school's attendance of days older than the retention period."""
    years = older_than_years or current_app.config["ATTENDANCE_RETENTION_YEARS"]
    if not years:
        raise click.UsageError("Give --older-than-years or set ATTENDANCE_RETENTION_YEARS.")
    cutoff = retention_cutoff(datetime.now(UTC).date(), years)
    schools = InstitutionRepository(TenantScope.platform_wide()).find({}, projection={"_id": 1})
    total = 0
    for school in schools:
        records, days = prune_school(school["_id"], cutoff, dry_run)
        total += records
        if records:
            verb = "would delete" if dry_run else "deleted"
            shown = "" if days is None else f" and {days} day summaries"
            click.echo(f"{school['_id']}: {verb} {records} records{shown}")
    click.echo(f"{'would delete' if dry_run else 'deleted'} {total} attendance records "
               f"of days before {cutoff.date().isoformat()}")  # fmt: skip
