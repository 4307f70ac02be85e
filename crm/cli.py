"""Commands: ``flask crm seed-demo``, ``flask crm create-db-roles``; ``crm`` runs the flask CLI."""

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import FlaskGroup

from crm.extensions import db

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-password-2026"


def demo_email(role_name: str) -> str:
    return role_name.lower().replace(" ", ".") + "@demo.example"


@click.group("crm")
def crm_group():
    """CRM administration commands."""


@crm_group.command("seed-demo")
def seed_demo():
    """Create the demo organization with one user of every role, and fill it with demo records.

    Each part is skipped when it is already there (the organization; records when it has companies).
    """
    from crm.models import Membership
    from crm.models import Organization
    from crm.models import Role
    from crm.models import User
    from crm.permissions import ADMINISTRATOR
    from crm.permissions import DEFAULT_ROLES
    from crm.services.organizations import create_organization
    from crm.services.passwords import hash_password
    from tenants.context import org_context

    if db.session.scalar(sa.select(Organization).where(Organization.slug == DEMO_SLUG)) is None:
        password_hash = hash_password(DEMO_PASSWORD)
        users = {name: User(email=demo_email(name), name=f"Demo {name}", password_hash=password_hash) for name in DEFAULT_ROLES}
        db.session.add_all(users.values())
        db.session.flush()
        org = create_organization("Demo Company", DEMO_SLUG, users[ADMINISTRATOR])
        with org_context(org.id):
            roles = {r.name: r for r in db.session.scalars(sa.select(Role))}
            db.session.add_all(Membership(user_id=u.id, role_id=roles[name].id) for name, u in users.items() if name != ADMINISTRATOR)
            db.session.commit()
        click.echo("Created the demo organization.")
    from crm.services.demo import seed_demo_records

    org = db.session.scalar(sa.select(Organization).where(Organization.slug == DEMO_SLUG))
    counts = seed_demo_records(org.id)
    if counts:
        click.echo("Added demo records: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()) + ".")
    click.echo(f"\nDemo organization: /{DEMO_SLUG}/   password for every demo login: {DEMO_PASSWORD}")
    for name in DEFAULT_ROLES:
        click.echo(f"  {name:<24} {demo_email(name)}")


@crm_group.command("create-db-roles")
@click.option("--superuser-url", envvar="SUPERUSER_DATABASE_URL", required=True,
              help="A PostgreSQL superuser connection, e.g. postgresql+psycopg://postgres@127.0.0.1/postgres")
@click.option("--database", default="crm", show_default=True)
@click.option("--owner", default="crm_owner", show_default=True, help="Owns the tables and runs migrations (BYPASSRLS).")
@click.option("--app-role", default="crm_app", show_default=True, help="What the app and workers connect as.")
@click.option("--owner-password", envvar="CRM_OWNER_PASSWORD", default=None)
@click.option("--app-password", envvar="CRM_APP_PASSWORD", default=None)
def create_db_roles(superuser_url, database, owner, app_role, owner_password, app_password):
    """Create the database, its owner role and the app role that row-level security applies to.

    Idempotent: existing roles and database are kept, and their attributes corrected.
    """
    from tenants.roles import create_roles_and_database

    create_roles_and_database(superuser_url, database, owner, app_role, owner_password, app_password)
    click.echo(f"Database {database}: owner {owner} (runs migrations), app role {app_role} "
               "(NOSUPERUSER NOBYPASSRLS; set DATABASE_URL to connect as it).")


def init_cli(app: Flask) -> None:
    from crm.jobs.cli import COMMANDS

    for command in COMMANDS:
        crm_group.add_command(command)
    app.cli.add_command(crm_group)


def main() -> None:
    from crm import create_app

    FlaskGroup(create_app=create_app)()
