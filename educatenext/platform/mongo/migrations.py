"""Numbered migration files applied in order and recorded in the `migrations` collection."""

import importlib.util
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import click
import pymongo
from flask import current_app
from flask.cli import AppGroup
from pymongo.errors import DuplicateKeyError

from educatenext.extensions import mongo
from educatenext.platform.values import utcnow

MIGRATION_TIMEOUT_SECONDS = 3600

log = logging.getLogger(__name__)

FILE_PATTERN = re.compile(r"^(\d{4})_[a-z0-9_]+\.py$")
LOCK_ID = "__lock__"


@dataclass(frozen=True)
class Migration:
    """One migration file: its id (file stem) and loaded module."""

    id: str
    module: object

    @property
    def description(self):
        """First line of the module docstring."""
        return (self.module.__doc__ or self.id).strip().splitlines()[0]


def discover(directory):
    """Load every NNNN_name.py file of the directory, sorted by number."""
    migrations = []
    for path in sorted(Path(directory).iterdir()):
        if not FILE_PATTERN.match(path.name):
            continue
        spec = importlib.util.spec_from_file_location(f"migrations.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not callable(getattr(module, "up", None)):
            raise RuntimeError(f"migration {path.name} has no up(db)")
        migrations.append(Migration(path.stem, module))
    return migrations


def applied_ids(db):
    """Ids of migrations recorded as applied."""
    return {doc["_id"] for doc in db.migrations.find({"outcome": "applied"}, {"_id": 1})}


def pending(db, directory):
    """Migrations not yet applied, in order."""
    done = applied_ids(db)
    return [m for m in discover(directory) if m.id not in done]


def apply_pending(db, directory, echo=print, dry_run=False):
    """Apply pending migrations in order under a lock; returns the ids applied."""
    todo = pending(db, directory)
    if not todo:
        echo("Nothing to apply: the database is up to date.")
        return []
    if dry_run:
        for migration in todo:
            echo(f"would apply {migration.id}: {migration.description}")
            # A data migration may say what it would change: plan(db) -> {what: count}.
            if callable(plan := getattr(migration.module, "plan", None)):
                for what, count in plan(db).items():
                    echo(f"  {what}: {count}")
        return []
    _acquire_lock(db)
    try:
        done = []
        for migration in todo:
            started = time.perf_counter()
            try:
                # Index builds on a large collection outlast the request budget by far.
                with pymongo.timeout(MIGRATION_TIMEOUT_SECONDS):
                    migration.module.up(db)
            except Exception as exc:
                _record(db, migration, "failed", started, error=type(exc).__name__)
                echo(f"FAILED {migration.id}: {type(exc).__name__}: {exc}")
                raise
            _record(db, migration, "applied", started)
            echo(f"applied {migration.id}: {migration.description}")
            done.append(migration.id)
        return done
    finally:
        db.migration_lock.delete_one({"_id": LOCK_ID})


def roll_back(db, directory, migration_id, echo=print):
    """Run one applied migration's down(db) and forget it."""
    by_id = {m.id: m for m in discover(directory)}
    migration = by_id.get(migration_id)
    if migration is None or migration_id not in applied_ids(db):
        raise click.ClickException(f"{migration_id} is not an applied migration")
    if not callable(getattr(migration.module, "down", None)):
        raise click.ClickException(f"{migration_id} has no down(db)")
    latest = max(applied_ids(db))
    if migration_id != latest:
        raise click.ClickException(f"roll back {latest} first: migrations unwind newest first")
    with pymongo.timeout(MIGRATION_TIMEOUT_SECONDS):
        migration.module.down(db)
    db.migrations.delete_one({"_id": migration_id})
    echo(f"rolled back {migration_id}")


def create_indexes(db, indexes_by_collection):
    """Create named IndexModels per collection (identical existing indexes are left alone)."""
    for collection, indexes in indexes_by_collection.items():
        db[collection].create_indexes(indexes)


def drop_indexes(db, indexes_by_collection):
    """Drop the named indexes a migration created."""
    for collection, indexes in indexes_by_collection.items():
        for index in indexes:
            db[collection].drop_index(index.document["name"])


def _record(db, migration, outcome, started, error=None):
    """Store the outcome of one migration run."""
    db.migrations.replace_one(
        {"_id": migration.id},
        {
            "_id": migration.id,
            "description": migration.description,
            "outcome": outcome,
            "appliedAt": utcnow(),
            "durationMs": round((time.perf_counter() - started) * 1000, 1),
            "error": error,
        },
        upsert=True,
    )


def _acquire_lock(db):
    """One migrator at a time: a second concurrent deploy fails instead of racing."""
    try:
        db.migration_lock.insert_one({"_id": LOCK_ID, "since": utcnow()})
    except DuplicateKeyError:
        raise click.ClickException(
            "another migration run holds the lock (db.migration_lock); "
            "if it crashed, delete that document and retry"
        ) from None


migrate_cli = AppGroup("migrate", help="Apply and inspect database migrations.")


@migrate_cli.command("up")
@click.option("--dry-run", is_flag=True, help="List what would be applied; change nothing.")
def up_command(dry_run):
    """Apply every pending migration in order."""
    apply_pending(mongo.db, current_app.config["MIGRATIONS_DIR"], click.echo, dry_run=dry_run)


@migrate_cli.command("status")
def status_command():
    """List migrations with their recorded outcome."""
    records = {doc["_id"]: doc for doc in mongo.db.migrations.find()}
    for migration in discover(current_app.config["MIGRATIONS_DIR"]):
        record = records.get(migration.id)
        if record is None:
            click.echo(f"pending  {migration.id}: {migration.description}")
        else:
            when = record["appliedAt"].isoformat(timespec="seconds")
            click.echo(f"{record['outcome']:<8} {migration.id} at {when}")


@migrate_cli.command("down")
@click.argument("migration_id")
def down_command(migration_id):
    """Roll back one applied migration (where it defines down)."""
    roll_back(mongo.db, current_app.config["MIGRATIONS_DIR"], migration_id, click.echo)
