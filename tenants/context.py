"""The organization (and user) a request or job acts for, readable anywhere below the view.

ContextVars rather than ``flask.g`` so that jobs and CLI commands, which have no request,
use the same mechanism, and so that a value set in one job can be reset precisely.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

current_org_id: ContextVar[int | None] = ContextVar("current_org_id", default=None)
current_user_id: ContextVar[int | None] = ContextVar("current_user_id", default=None)
_unscoped: ContextVar[bool] = ContextVar("unscoped", default=False)


class TenantContextMissing(RuntimeError):
    """A tenant table was touched with no organization in context: fail closed."""


class CrossTenantWrite(RuntimeError):
    """A row of one organization was about to be written while acting for another."""


def get_org_id() -> int | None:
    return current_org_id.get()


def require_org_id() -> int:
    org_id = current_org_id.get()
    if org_id is None:
        raise TenantContextMissing("no organization in context")
    return org_id


def is_unscoped() -> bool:
    return _unscoped.get()


@contextmanager
def unscoped() -> Iterator[None]:
    """Cross-organization access, for the few places that must (login, signup, dispatch).

    Only the ORM filter is lifted. On PostgreSQL, row-level security still applies, so
    code in here sees only what the database policy allows.
    """
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


def enter_org(org_id: int | None, user_id: int | None = None):
    """Act for ``org_id`` from now on in this context; returns tokens for ``leave_org``.

    The database follows on its own: PostgreSQL's setting is brought in line before the
    next statement runs (tenants.rls), so entering costs nothing until something is read.
    """
    return current_org_id.set(org_id), current_user_id.set(user_id)


def leave_org(tokens) -> None:
    """Back to the previous organization (and, from the next statement on, in the database)."""
    org_token, user_token = tokens
    current_org_id.reset(org_token)
    current_user_id.reset(user_token)


@contextmanager
def org_context(org_id: int | None, user_id: int | None = None) -> Iterator[None]:
    """Enter an organization for a block (jobs, CLI commands, tests) and always leave it."""
    tokens = enter_org(org_id, user_id)
    try:
        yield
    finally:
        leave_org(tokens)
