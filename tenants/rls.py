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
ORG_SETTING = "app.current_org"
USER_SETTING = "app.current_user"
CURRENT_ORG = f"NULLIF(current_setting('{ORG_SETTING}', true), '')::bigint"
CURRENT_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')::bigint"

# Tables whose rows a user may also see in organizations other than the current one,
# through a second column that names that user (the organization switcher needs this).
USER_VISIBLE = {"memberships": "user_id"}


def policy_sql(table: str) -> list[str]:
    """The statements that put one tenant table under row-level security."""
    using = f"org_id = {CURRENT_ORG}"
    if table in USER_VISIBLE:
        using = f"({using}) OR {USER_VISIBLE[table]} = {CURRENT_USER}"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"CREATE POLICY {POLICY} ON {table} USING ({using}) WITH CHECK (org_id = {CURRENT_ORG})",
    ]


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


def enable_row_level_security(op, tables: list[str]) -> None:
    """For migrations: put each table under the tenant policy (a no-op on SQLite)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        for statement in policy_sql(table):
            op.execute(statement)
