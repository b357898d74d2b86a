"""`flask db explain` and `flask db profile`."""

import sys
import time
import uuid
from collections import defaultdict

import click
from flask import current_app
from flask.cli import AppGroup

from educatenext.extensions import mongo
from educatenext.platform.mongo.migrations import apply_pending
from educatenext.platform.mongo.query_shapes import QUERY_SHAPES
from educatenext.queryplans import tour
from educatenext.queryplans.explain import MAX_EXAMINED_PER_RETURNED, explain

db_cli = AppGroup("db", help="Query plans and profiling.")
APP_FACTORY = "educatenext.app_factory"


def tour_app(app):
    """An app like this one on a scratch database next to its own: no cache, generous limits.

    The factory comes from the running app, so this command need not import the package
    that registers it.
    """
    base_config = app.config["CONFIG_OBJECT"]
    settings = base_config.__class__()
    for key, value in vars(base_config).items():
        setattr(settings, key, value)
    settings.MONGO_DB_NAME = f"{mongo.db.name}_plan_tour_{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = None
    settings.QUERY_SHAPE_REGISTRY = True
    for name in ("RATELIMIT_READ", "RATELIMIT_WRITE", "LOGIN_RATE_LIMIT_PER_IP",
                 "LOGIN_RATE_LIMIT_PER_ACCOUNT", "RATELIMIT_DEFAULT"):  # fmt: skip
        setattr(settings, name, "1000000 per minute")
    return app.extensions[APP_FACTORY](settings)


def run_explain(current, echo=print):
    """Seed a scratch database, walk the API, explain every shape; (verdicts, failures)."""
    app = tour_app(current)
    with app.app_context():
        apply_pending(mongo.db, app.config["MIGRATIONS_DIR"], echo=lambda *_: None)
    try:
        ids = tour.seed(app)
        failures = tour.walk(app, ids)
        with app.app_context():
            shapes = QUERY_SHAPES.snapshot()
            indexes = {
                name: list(mongo.db[name].list_indexes())
                for name in {shape.collection for shape in shapes}
            }
            verdicts = [explain(mongo.db, shape, indexes) for shape in shapes]
    finally:
        with app.app_context():
            mongo.client.drop_database(app.config["MONGO_DB_NAME"])
            mongo.close()
    return verdicts, failures


@db_cli.command("explain")
def explain_command():
    """Explain every query shape the API issues (on a scratch database); exit 1 on a bad plan."""
    verdicts, failures = run_explain(current_app)
    verdicts.sort(key=lambda v: (v.ok, v.collection, v.kind))
    click.echo(f"{'ok':<4}{'collection':<14}{'kind':<10}{'examined':>9}{'returned':>9}"
               f"{'ratio':>7}  plan / shape")  # fmt: skip
    for v in verdicts:
        ratio = "inf" if v.ratio == float("inf") else f"{v.ratio:.2f}"
        click.echo(
            f"{'yes' if v.ok else 'NO':<4}{v.collection:<14}{v.kind:<10}{v.docs_examined:>9}"
            f"{v.returned:>9}{ratio:>7}  {'>'.join(v.stages) or '-'}  "
            f"{'sort in memory  ' if v.blocking_sort else ''}{v.shape[:90] if v.ok else v.shape}"
        )
    bad = [v for v in verdicts if not v.ok]
    click.echo(
        f"{len(verdicts)} shapes, {len(bad)} failing (collection scan, more than "
        f"{MAX_EXAMINED_PER_RETURNED}x documents examined per document returned, or a sort "
        f"no index supplies); {sum(v.blocking_sort for v in verdicts)} sort in memory"
    )
    for role, path, status in failures:
        click.echo(f"tour call failed: {role} GET {path} -> {status}")
    if bad or failures:
        sys.exit(1)


@db_cli.command("profile")
@click.option("--seconds", default=60, show_default=True, help="How long to profile.")
@click.option("--slowms", default=0, show_default=True, help="Only operations slower than this.")
@click.option("--top", default=15, show_default=True)
def profile_command(seconds, slowms, top):
    """Turn the MongoDB profiler on for a while, then print the slowest query shapes."""
    from educatenext.platform.mongo.monitoring import command_shape

    db = mongo.db
    previous = db.command("profile", -1)
    started = time.time()
    db.command("profile", 2, slowms=slowms)
    click.echo(f"profiling {db.name} for {seconds} s (level 2, slowms {slowms}) ...")
    try:
        time.sleep(seconds)
    finally:
        db.command("profile", previous.get("was", 0), slowms=previous.get("slowms", 100))
    groups = defaultdict(list)
    for entry in db.system.profile.find({"ts": {"$gte": _as_datetime(started)}}):
        command = entry.get("command") or {}
        name = entry.get("op", "?") if not command else next(iter(command))
        collection = entry.get("ns", "?").split(".", 1)[-1]
        shape = command_shape(name, command)
        groups[(name, collection, str(shape))].append(entry.get("millis", 0))
    rows = sorted(groups.items(), key=lambda item: -sum(item[1]))[:top]
    click.echo(f"{'total ms':>9}{'count':>7}{'max ms':>8}  command collection shape")
    for (name, collection, shape), millis in rows:
        click.echo(f"{sum(millis):>9}{len(millis):>7}{max(millis):>8}  {name} {collection} "
                   f"{shape[:100]}")  # fmt: skip
    click.echo(f"{sum(len(m) for m in groups.values())} operations in {len(groups)} shapes")


def _as_datetime(timestamp):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)
