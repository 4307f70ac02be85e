"""Layer 3 of isolation: PostgreSQL row-level security and the per-transaction setting.

The policy compares ``org_id`` with ``app.current_org``, set by ``set_config(..., true)`` at
the start of every transaction. A transaction-local setting cannot leak to the next user of
a pooled connection; once it ends the connection reads it back as ``''``, which ``NULLIF``
turns into NULL, so no setting means no rows. Never a plain ``SET``: a committed one
survives on the pooled connection.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection

from tenants.context import current_org_id
from tenants.context import current_user_id

POLICY = "tenant_isolation"
# A second, SELECT-only policy for the tables in USER_VISIBLE (see below).
OWN_ROWS_POLICY = "own_rows_visible"
ORG_SETTING = "app.current_org"
USER_SETTING = "app.current_user"
CURRENT_ORG = f"NULLIF(current_setting('{ORG_SETTING}', true), '')::bigint"
CURRENT_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')::bigint"

# Tables whose rows a user may also see in organizations other than the current one,
# through a second column that names that user (the organization switcher needs this).
# Only seeing: permissive policies are OR-ed per command, so this visibility is a policy
# FOR SELECT of its own. Folded into the FOR ALL policy's USING it would also let UPDATE
# and DELETE reach the user's rows in other organizations.
USER_VISIBLE = {"memberships": "user_id"}


def policy_sql(table: str) -> list[str]:
    """The statements that put one tenant table under row-level security (idempotent)."""
    this_org = f"org_id = {CURRENT_ORG}"
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"CREATE POLICY {POLICY} ON {table} FOR ALL USING ({this_org}) WITH CHECK ({this_org})",
        f"DROP POLICY IF EXISTS {OWN_ROWS_POLICY} ON {table}",
    ]
    if table in USER_VISIBLE:
        statements.append(
            f"CREATE POLICY {OWN_ROWS_POLICY} ON {table} FOR SELECT USING ({USER_VISIBLE[table]} = {CURRENT_USER})"
        )
    return statements


def apply_settings(connection: Connection) -> None:
    """Copy the current org and user into this transaction (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return
    org, user = current_org_id.get(), current_user_id.get()
    connection.execute(
        sa.text(
            f"SELECT set_config('{ORG_SETTING}', :org, true), set_config('{USER_SETTING}', :user, true)"
        ),
        {"org": "" if org is None else str(org), "user": "" if user is None else str(user)},
    )


def _on_begin(session, transaction, connection: Connection) -> None:
    apply_settings(connection)


def install_rls_settings(session_target) -> None:
    """Run ``apply_settings`` at the start of every transaction of this session."""
    if not event.contains(session_target, "after_begin", _on_begin):
        event.listen(session_target, "after_begin", _on_begin)


def reapply(session) -> None:
    """Fix a transaction that began before the org was known (the slug lookup opens one)."""
    if session.in_transaction():
        apply_settings(session.connection())


def restore(session) -> None:
    """On leaving an organization: put an open transaction back to the org now current.

    Without this, the rest of a transaction that was open when ``org_context`` was left
    would go on acting for the organization just left. Safe in a ``finally``: a session
    waiting for its rollback, or a transaction PostgreSQL has already aborted, is left
    alone (it can read nothing more until it is rolled back, and raising here would hide
    the error that got it there).
    """
    if not session.in_transaction() or not session.is_active:
        return
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    if not _aborted(connection):
        apply_settings(connection)


def _aborted(connection: Connection) -> bool:
    info = getattr(connection.connection.dbapi_connection, "info", None)
    status = getattr(info, "transaction_status", None)
    return status is not None and status.name == "INERROR"


def enable_row_level_security(op, tables: list[str]) -> None:
    """For migrations: put each table under the tenant policy (a no-op on SQLite)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        for statement in policy_sql(table):
            op.execute(statement)
