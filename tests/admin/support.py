"""Look-ups and small helpers for the tenant admin console tests.

Everything the tests check afterwards is read back from the database through these
helpers, inside the organization's tenant context, after ending the test's own
transaction (so nothing stale from the identity map is compared). Ids are always looked
up, never assumed, so that the suite runs the same on SQLite and PostgreSQL.
"""

import json
import re

import sqlalchemy as sa

from crm.extensions import db
from crm.models import AuditEntry
from crm.models import Invitation
from crm.models import Membership
from crm.models import Organization
from crm.models import PipelineStage
from crm.models import Role
from crm.models import User
from tests.helpers import tenant  # noqa: F401 (re-exported for the area's tests)

HX = {"HX-Request": "true"}


def org_id(slug: str) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug))


def org_row(slug: str) -> dict:
    db.session.rollback()
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
    return {"name": org.name, "currency": org.currency, "timezone": org.timezone}


def user_id(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def member(org, email: str) -> dict | None:
    """The membership of ``email`` in ``org`` as plain values, or None."""
    with tenant(org) as s:
        m = s.scalar(sa.select(Membership).join(User, User.id == Membership.user_id).where(User.email == email))
        return None if m is None else {"id": m.id, "role": m.role.name, "active": m.active, "user_id": m.user_id}


def role_id(org, name: str) -> int | None:
    with tenant(org) as s:
        return s.scalar(sa.select(Role.id).where(Role.name == name))


def role(org, name: str) -> dict | None:
    with tenant(org) as s:
        r = s.scalar(sa.select(Role).where(Role.name == name))
        return None if r is None else {"id": r.id, "name": r.name, "permissions": list(r.permissions)}


def role_names(org) -> list[str]:
    with tenant(org) as s:
        return sorted(s.scalars(sa.select(Role.name)).all())


def stages(org) -> list[dict]:
    """The pipeline in order."""
    with tenant(org) as s:
        return [
            {"id": x.id, "name": x.name, "kind": x.kind, "position": x.position,
             "probability": x.probability, "expected_days": x.expected_days}
            for x in s.scalars(sa.select(PipelineStage).order_by(PipelineStage.position, PipelineStage.id))
        ]


def stage_names(org) -> list[str]:
    return [s["name"] for s in stages(org)]


def stage_id(org, name: str) -> int:
    return next(s["id"] for s in stages(org) if s["name"] == name)


def invitations(org, email: str | None = None) -> list[dict]:
    with tenant(org) as s:
        query = sa.select(Invitation).order_by(Invitation.id)
        if email:
            query = query.where(Invitation.email == email)
        return [{"id": i.id, "email": i.email, "role": i.role.name, "status": i.status, "nonce": i.nonce}
                for i in s.scalars(query).unique()]


def audit(org, action: str | None = None) -> list[dict]:
    """Audit rows oldest first (by id), optionally of one action."""
    with tenant(org) as s:
        query = sa.select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return [{"id": e.id, "action": e.action, "actor_id": e.actor_id, "target_type": e.target_type,
                 "target_id": e.target_id, "summary": e.summary, "before": e.before, "after": e.after}
                for e in s.scalars(query).unique()]


def audit_count(org) -> int:
    with tenant(org) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def outbox(app) -> list:
    return app.extensions.setdefault("crm_outbox", [])


def last_link(app, to: str) -> str:
    """The invitation link (a path) in the newest email sent to ``to``."""
    for message in reversed(outbox(app)):
        if message["To"] == to:
            text = message.get_body(("plain",)).get_content()
            match = re.search(r"https?://[^/\s]+(/invitations/\S+)", text)
            assert match, text
            return match.group(1)
    raise AssertionError(f"no email to {to}")


def toast_of(response) -> str:
    """The toast message an htmx response asks for in its HX-Trigger header."""
    header = response.headers.get("HX-Trigger")
    assert header, f"no HX-Trigger header (status {response.status_code})"
    return json.loads(header)["toast"]["message"]


def is_fragment(response) -> bool:
    html = response.get_data(as_text=True)
    return "<html" not in html.lower() and "<body" not in html.lower()


def login_as(app, email: str):
    """Another browser, signed in as ``email``."""
    client = app.test_client()
    response = client.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
