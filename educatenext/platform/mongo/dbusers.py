"""`flask db-users create`: least-privilege MongoDB roles and users for the app database.

    educatenext_app        find/insert/update/remove only: cannot drop or manage indexes
    educatenext_migrator   the app's rights plus collection and index management
    educatenext_reporting  read-only
    educatenext_backup     read everything, and restore into an empty database
Run it once as an administrator (before enabling --auth on a fresh dev server).
"""

import click
from flask.cli import AppGroup
from pymongo.errors import OperationFailure

from educatenext.extensions import mongo

DATA = ["find", "insert", "update", "remove"]
SCHEMA = [
    "createCollection",
    "createIndex",
    "dropIndex",
    "listIndexes",
    "listCollections",
    "collMod",
]
ROLES = {
    "educatenext_app": DATA,
    "educatenext_migrator": DATA + SCHEMA,
    "educatenext_reporting": ["find", "listCollections", "listIndexes"],
    "educatenext_backup": [
        "find",
        "insert",
        "listCollections",
        "listIndexes",
        "createCollection",
        "createIndex",
    ],
}

db_users_cli = AppGroup("db-users", help="Least-privilege database roles and users.")


def ensure_role(db, name, actions):
    """Create or update a role with privileges on this database only."""
    privileges = [{"resource": {"db": db.name, "collection": ""}, "actions": actions}]
    try:
        db.command("createRole", name, privileges=privileges, roles=[])
    except OperationFailure as error:
        if "already exists" not in str(error):
            raise
        db.command("updateRole", name, privileges=privileges, roles=[])


def ensure_user(db, name, password, role):
    """Create or update a SCRAM user holding one role."""
    try:
        db.command("createUser", name, pwd=password, roles=[role])
    except OperationFailure as error:
        if "already exists" not in str(error):
            raise
        db.command("updateUser", name, pwd=password, roles=[role])


@db_users_cli.command("create")
@click.option("--app-password", envvar="DB_APP_PASSWORD", prompt=True, hide_input=True)
@click.option("--migrator-password", envvar="DB_MIGRATOR_PASSWORD", prompt=True, hide_input=True)
@click.option("--reporting-password", envvar="DB_REPORTING_PASSWORD", prompt=True, hide_input=True)
@click.option("--backup-password", envvar="DB_BACKUP_PASSWORD", prompt=True, hide_input=True)
def create_users(app_password, migrator_password, reporting_password, backup_password):
    """Create (or update) the four roles and their users on the app database."""
    db = mongo.db
    passwords = dict(
        zip(
            ROLES,
            (app_password, migrator_password, reporting_password, backup_password),
            strict=True,
        )
    )
    for role, actions in ROLES.items():
        if len(passwords[role]) < 16:
            raise click.ClickException(f"{role}: use a password of at least 16 characters.")
        ensure_role(db, role, actions)
        ensure_user(db, role, passwords[role], role)
        click.echo(f"{role}: {', '.join(actions)} on {db.name}")
