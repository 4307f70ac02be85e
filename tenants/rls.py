"""Layer 3 of isolation: PostgreSQL row-level security and the per-transaction setting.

The policy compares ``org_id`` with ``app.current_org``, set by ``set_config(..., true)`` in
every transaction, before any statement that would run under another value. A transaction-local setting cannot leak to the next user of
a pooled connection; once it ends the connection reads it back as ``''``, which ``NULLIF``
turns into NULL, so no setting means no rows. Never a plain ``SET``: a committed one
survives on the pooled connection.
"""

from sqlalchemy import event

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


SET_SETTINGS = (f"SELECT set_config('{ORG_SETTING}', %(org)s, true), "
                f"set_config('{USER_SETTING}', %(user)s, true)")
_APPLIED = "tenants_rls_applied"  # key in the DBAPI connection's info: what this transaction holds
_FRESH = object()  # a transaction about to begin: it holds nothing yet


def _wanted() -> tuple[str, str]:
    org, user = current_org_id.get(), current_user_id.get()
    return ("" if org is None else str(org), "" if user is None else str(user))


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    """Make the transaction act for the current org and user before each statement runs.

    Checked per statement, and set only when it differs, so the setting is exactly what the
    context says at the moment a statement runs (entering or leaving an organization halfway
    through a transaction needs no extra step), and a request that never changes
    organization pays one ``set_config`` per change rather than one per enter and leave.
    The first statement of every transaction always sets it, even to "nobody", so nothing
    left on a pooled connection can stand in for it.
    """
    if statement.startswith("ROLLBACK TO SAVEPOINT"):
        # It undoes a setting made inside the savepoint: the next statement sets it again.
        conn.info.pop(_APPLIED, None)
        return
    dbapi_connection = cursor.connection
    status = dbapi_connection.info.transaction_status.name
    if status == "IDLE":  # this statement begins a new transaction
        applied = _FRESH
    elif status == "INTRANS":
        applied = conn.info.get(_APPLIED, _FRESH)
    else:  # aborted: every statement fails until the rollback, this one included
        return
    wanted = _wanted()
    if applied != wanted:
        # A cursor of its own: the statement's cursor may be a server-side (named) one.
        with dbapi_connection.cursor() as settings_cursor:
            settings_cursor.execute(SET_SETTINGS, {"org": wanted[0], "user": wanted[1]})
        conn.info[_APPLIED] = wanted


def install_rls_settings(engine) -> None:
    """Hold every PostgreSQL statement of ``engine`` to the current org and user."""
    if engine.dialect.name != "postgresql":
        return
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)


def enable_row_level_security(op, tables: list[str]) -> None:
    """For migrations: put each table under the tenant policy (a no-op on SQLite)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        for statement in policy_sql(table):
            op.execute(statement)
