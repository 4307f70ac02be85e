"""The organization in the URL: ``/<org_slug>/...`` loads it, checks membership, enters it.

A slug that does not exist and a slug of an organization the user does not belong to
answer the same 404, so a URL cannot tell whether an organization exists.
"""

from flask import Flask
from flask import abort
from flask import current_app
from flask import g
from flask_login import current_user
import sqlalchemy as sa

from tenants.context import enter_org
from tenants.context import leave_org
from tenants.context import unscoped
from tenants.db import db
from tenants.models import Membership
from tenants.models import Organization

ORG_ARG = "org_slug"


def current_org() -> Organization | None:
    return g.get("org")


def current_membership() -> Membership | None:
    return g.get("membership")


def _resolve_org(endpoint, values) -> None:
    user_id = current_user.id if current_user.is_authenticated else None
    # Every request starts with no organization, explicitly: a worker thread that served
    # another organization before must not carry it over. The user id is set first because
    # on PostgreSQL the membership lookup below is allowed by the user-visibility policy.
    g.tenant_tokens = enter_org(None, user_id)
    slug = values.pop(ORG_ARG, None) if values else None
    if slug is None:
        return
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    with unscoped():
        membership = db.session.scalar(
            sa.select(Membership)
            .join(Membership.organization)
            .where(Organization.slug == slug, Membership.user_id == user_id)
            .options(
                sa.orm.contains_eager(Membership.organization),
                sa.orm.lazyload(Membership.user),  # the signed-in user, already loaded
                # The role is a tenant row: load it only once inside the organization, or
                # row-level security would hide it from this lookup.
                sa.orm.lazyload(Membership.role),
            )
        )
    if membership is None:
        abort(404)
    org = membership.organization
    leave_org(g.pop("tenant_tokens"))
    g.tenant_tokens = enter_org(org.id, user_id)
    g.org, g.membership = org, membership
    if not membership.active:
        abort(403, description=f"Your membership of {org.name} was deactivated. "
                               "Ask one of its administrators to reactivate it.")


def _fill_org(endpoint, values) -> None:
    org = g.get("org")
    if org is not None and ORG_ARG not in values:
        try:
            expecting = current_app.url_map.is_endpoint_expecting(endpoint, ORG_ARG)
        except KeyError:  # an unknown endpoint: let url_for raise its own BuildError
            return
        if expecting:
            values[ORG_ARG] = org.slug


def _leave(exc) -> None:
    tokens = g.pop("tenant_tokens", None)
    if tokens is not None:
        leave_org(tokens)


def init_tenancy(app: Flask) -> None:
    app.url_value_preprocessor(_resolve_org)
    app.url_defaults(_fill_org)
    app.teardown_request(_leave)
