"""`flask seed`: generate schools in bulk, deterministically."""

import time

import click
from flask.cli import with_appcontext

from educatenext.seed.service import Generator, SeedOptions


@click.command("seed")
@click.option("--institutions", default=1, show_default=True, help="Schools to add.")
@click.option("--students", default=1000, show_default=True, help="Students per school.")
@click.option("--class-size", default=40, show_default=True, help="Students per classroom.")
@click.option("--subjects", default=8, show_default=True, type=click.IntRange(1, 12))
@click.option("--days", default=180, show_default=True, help="School days of attendance.")
@click.option("--grades-per-student", default=8, show_default=True)
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@click.option(
    "--password",
    default=SeedOptions.password,
    show_default=True,
    help="Password of every generated account.",
)
@with_appcontext
def seed_command(seed_value, **options):
    """Add schools with staff, classes, students, attendance and grades (bulk writes).

    Accounts: admin@school<N>.seed.test, teacher<K>@..., student<K>@... (all one password).
    """
    started = time.perf_counter()
    generator = Generator(SeedOptions(seed=seed_value, **options), click.progressbar)
    summary = generator.run()
    elapsed = time.perf_counter() - started
    written = sum(summary.values())
    for collection, count in summary.items():
        click.echo(f"{collection:<14} {count:>10,}")
    click.echo(f"{written:,} documents in {elapsed:.1f} s ({written / elapsed:,.0f}/s)")
