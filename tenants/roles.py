"""The PostgreSQL roles isolation depends on: an owner that migrates, an app role that cannot bypass RLS.

A superuser always bypasses row-level security, and a table owner does unless FORCE is
set, so the app must connect as a third role that is neither.
"""

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def _quote(conn, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


class RoleSetupError(ValueError):
    """The names given would make isolation impossible, or would demote an existing superuser."""


def _ensure_role(conn, name: str, attributes: str, password: str | None) -> None:
    row = conn.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    if row is not None and row.rolsuper:
        # ALTER ROLE ... NOSUPERUSER on the very superuser this runs as (say, postgres)
        # would lock the operator out of their own server.
        raise RoleSetupError(f"{name} is a superuser: choose another name for the CRM's roles")
    exists = row is not None
    verb = "ALTER" if exists else "CREATE"
    conn.exec_driver_sql(f"{verb} ROLE {_quote(conn, name)} {attributes}")
    if password:
        # Utility statements take no bind parameters; quote the literal as PostgreSQL does.
        literal = "'" + password.replace("'", "''") + "'"
        conn.exec_driver_sql(f"ALTER ROLE {_quote(conn, name)} PASSWORD {literal}")


def create_roles_and_database(superuser_url: str, database: str, owner: str, app_role: str,
                              owner_password: str | None = None, app_password: str | None = None) -> None:
    if owner == app_role:
        raise RoleSetupError("the owner and the app role must differ: a table owner can switch RLS off")
    engine = sa.create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        _ensure_role(conn, owner, "LOGIN NOSUPERUSER BYPASSRLS NOCREATEROLE", owner_password)
        _ensure_role(conn, app_role, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB", app_password)
        # A member of the owner role has the owner's privileges (and may SET ROLE to it):
        # undo any such grant, so that re-running this corrects it like the attributes.
        conn.exec_driver_sql(f"REVOKE {_quote(conn, owner)} FROM {_quote(conn, app_role)}")
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}):
            conn.exec_driver_sql(f"CREATE DATABASE {_quote(conn, database)} OWNER {_quote(conn, owner)}")
    engine.dispose()
    target = make_url(superuser_url).set(database=database)
    engine = sa.create_engine(target, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        o, a = _quote(conn, owner), _quote(conn, app_role)
        conn.exec_driver_sql(f"ALTER SCHEMA public OWNER TO {o}")
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {_quote(conn, database)} TO {a}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {a}")
        conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.exec_driver_sql(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}")
        conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {a}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}")
        conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}")
    engine.dispose()
