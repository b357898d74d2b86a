"""`flask bootstrap`: the first super-admin, institution and admin of a fresh system."""

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from educatenext.accounts.service import insert_user
from educatenext.auth.roles import SUPER_ADMIN
from educatenext.extensions import mongo
from educatenext.institutions.schemas import InstitutionCreateSchema
from educatenext.institutions.service import create_institution
from educatenext.platform.http.errors import APIError
from educatenext.platform.mongo.repository import TenantScope
from educatenext.users.repository import UserRepository
from educatenext.users.schemas import EmailField


def bootstrap(super_admin, institution):
    """Create the platform super-admin and the first institution with its admin, once."""
    platform_users = UserRepository(TenantScope.platform_wide())
    if platform_users.find_one({"role": SUPER_ADMIN}) is not None:
        raise click.ClickException("Already bootstrapped: a super-admin exists.")
    user = insert_user(
        TenantScope.platform_wide(), {**super_admin, "role": SUPER_ADMIN, "institutionId": None}
    )
    created, admin = create_institution(institution)
    return user, created, admin


@click.command("bootstrap")
@click.option("--super-admin-email", required=True)
@click.option("--super-admin-name", default="Platform Admin", show_default=True)
@click.option(
    "--super-admin-password",
    envvar="BOOTSTRAP_SUPER_ADMIN_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
)
@click.option("--institution-name", required=True)
@click.option("--institution-code", required=True, help="Short slug, e.g. greenfield-high")
@click.option("--admin-email", required=True)
@click.option("--admin-name", default="School Admin", show_default=True)
@click.option(
    "--admin-password",
    envvar="BOOTSTRAP_ADMIN_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
)
@with_appcontext
def bootstrap_command(**options):
    """Create the first super-admin, institution and institution admin."""
    email = EmailField()
    try:
        super_admin = {
            "name": options["super_admin_name"],
            "email": email.deserialize(options["super_admin_email"]),
            "password": options["super_admin_password"],
        }
        institution = InstitutionCreateSchema().load(
            {
                "name": options["institution_name"],
                "code": options["institution_code"],
                "admin": {
                    "name": options["admin_name"],
                    "email": options["admin_email"],
                    "password": options["admin_password"],
                },
            }
        )
        user, created, admin = bootstrap(super_admin, institution)
    except APIError as error:
        problems = "; ".join(f"{d['field']}: {d['message']}" for d in error.details or [])
        raise click.ClickException(f"{error.message} {problems}".strip()) from None
    except ValidationError as error:
        raise click.ClickException(f"Invalid input: {error.messages}") from None
    finally:
        mongo.close()
    click.echo(f"super-admin {user['email']} (id {user['_id']})")
    click.echo(f"institution {created['name']} [{created['code']}] (id {created['_id']})")
    click.echo(f"admin {admin['email']} (id {admin['_id']})")
    click.echo("Log in with POST /api/v1/auth/login {email, password}.")
