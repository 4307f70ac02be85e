"""Layer 1 of isolation: every ORM statement on a tenant model is filtered to the current org.

``TenantScoped`` gives a model its ``org_id`` and the unique ``(org_id, id)`` that composite
foreign keys point at. Two session hooks do the rest: ``do_orm_execute`` adds the org filter
to every select, update and delete (and raises when no org is in context), and
``before_flush`` stamps ``org_id`` on new rows and refuses rows of another organization.

What this layer does not see: ``text()`` SQL, Core statements on a ``Table``, plain engine
connections and objects already in the identity map. PostgreSQL row-level security
(rls.py) covers those, and composite foreign keys cover references.
"""

from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import with_loader_criteria
from sqlalchemy.sql import util as sql_util

from tenants.context import CrossTenantWrite
from tenants.context import TenantContextMissing
from tenants.context import current_org_id
from tenants.context import is_unscoped


class TenantScoped:
    """Mixin for every table that belongs to one organization.

    Extra table arguments go in ``__tenant_table_args__`` so that the ``(org_id, id)``
    unique, which composite foreign keys need, can never be forgotten.
    """

    __tenant_table_args__: tuple = ()
    # For a child table whose every row has a cascading composite key to a parent row of the
    # same organization: that key already proves the organization exists, and deleting the
    # organization deletes the rows through the parent, so a key of its own to organizations
    # would only add a check to every row inserted (most of the cost of writing a tag link or
    # an import's row outcome in bulk; docs/imports.md).
    __org_through_parent__: bool = False

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        if cls.__org_through_parent__:
            return mapped_column(sa.BigInteger, nullable=False)
        return mapped_column(
            sa.BigInteger, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
        )

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (sa.UniqueConstraint("org_id", "id"), *cls.__tenant_table_args__)


def tenant_fk(column: str, target_table: str, ondelete: str | None = None, **options) -> sa.ForeignKeyConstraint:
    """``(org_id, column) -> target_table(org_id, id)``: a reference that cannot cross orgs.

    RLS does not apply to foreign-key checks, so this constraint, not the policy, is what
    stops a row of one organization pointing at a row of another.
    """
    return sa.ForeignKeyConstraint(
        ["org_id", column], [f"{target_table}.org_id", f"{target_table}.id"], ondelete=ondelete, **options
    )


def tenant_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """Every table with an ``org_id`` column: what RLS and the isolation tests must cover."""
    return [t for t in metadata.sorted_tables if "org_id" in t.c]


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    """Any tenant table anywhere in the statement, not only in its columns.

    ``all_mappers`` misses ``select(func.count()).select_from(Model)`` and subqueries, so
    the tables themselves are searched as well.
    """
    if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return True
    tables = sql_util.find_tables(state.statement, check_columns=True, include_aliases=True,
                                  include_joins=True, include_selects=True, include_crud=True)
    return any("org_id" in getattr(t, "c", ()) for t in tables)


def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    if is_unscoped() or state.execution_options.get("unscoped"):
        return
    org = current_org_id.get()
    if org is None:
        if _touches_tenant_model(state):
            raise TenantContextMissing("query on a tenant table with no organization in context")
        return
    # Relationship loads are filtered too, by the org current at load time: a lazy load
    # can then never reach into another organization, even from an object loaded earlier.
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.org_id == org, include_aliases=True)
    )


def _guard_flush(session: Session, flush_context, instances) -> None:
    org = current_org_id.get()
    unscoped = is_unscoped()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if unscoped and obj.org_id is not None:
            continue
        if org is None:
            raise TenantContextMissing(f"new {type(obj).__name__} with no organization in context")
        if obj.org_id is None:
            obj.org_id = org
        elif obj.org_id != org:
            raise CrossTenantWrite(f"new {type(obj).__name__} of org {obj.org_id} while acting for {org}")
    for obj in chain(session.dirty, session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        history = sa.inspect(obj).attrs.org_id.history
        if history.deleted and history.deleted[0] is not None:
            raise CrossTenantWrite(f"{type(obj).__name__}.org_id cannot change")
        if unscoped:
            continue
        if org is None:
            raise TenantContextMissing(f"write to {type(obj).__name__} with no organization in context")
        if obj.org_id != org:
            raise CrossTenantWrite(f"{type(obj).__name__} of org {obj.org_id} while acting for {org}")


def install_scoping(session_target) -> None:
    """Attach the ORM guards to a session, sessionmaker or Flask-SQLAlchemy's ``db.session``."""
    if not event.contains(session_target, "do_orm_execute", _scope_statement):
        event.listen(session_target, "do_orm_execute", _scope_statement)
        event.listen(session_target, "before_flush", _guard_flush)
