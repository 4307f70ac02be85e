"""The default roles: exactly the documented permissions, in every new organization."""

import re
from pathlib import Path

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Role
from crm.permissions import DEFAULT_ROLES
from crm.permissions import PERMISSIONS
from tenants.context import org_context

DOC = Path(__file__).resolve().parent.parent / "docs" / "roles.md"


def _documented() -> dict[str, set[str]]:
    text = DOC.read_text()
    legend = dict(re.findall(r"\*\*([^*]+)\*\* = ([^;.]+)", text))
    header = next(line for line in text.splitlines() if line.startswith("| Permission"))
    columns = [legend[c.strip()] for c in header.strip("|").split("|")[2:]]
    table = {role: set() for role in columns}
    for line in text.splitlines():
        match = re.match(r"\| `([a-z.]+)` \|", line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split("|")[2:]]
            for role, cell in zip(columns, cells):
                if cell == "✓":
                    table[role].add(match.group(1))
    return table


def test_docs_table_lists_every_permission():
    text = DOC.read_text()
    assert set(re.findall(r"^\| `([a-z.]+)` \|", text, re.M)) == set(PERMISSIONS)


def test_each_default_role_has_exactly_the_documented_permissions(app, org_a):
    documented = _documented()
    assert set(documented) == set(DEFAULT_ROLES)
    with org_context(org_a.id):
        actual = {r.name: set(r.permissions) for r in db.session.scalars(sa.select(Role))}
    for role, permissions in documented.items():
        assert actual[role] == permissions, role


def test_only_the_administrator_holds_admin_permissions():
    for role, permissions in DEFAULT_ROLES.items():
        has_admin = any(p.startswith("admin.") for p in permissions)
        assert has_admin == (role == "Administrator"), role


def test_the_dashboard_is_open_to_every_default_role():
    assert all("dashboard.view" in p for p in DEFAULT_ROLES.values())


def test_administrators_hold_permissions_added_after_their_organization_was_created(app, client, org_a):
    with org_context(org_a.id):
        admin_role = db.session.scalar(sa.select(Role).where(Role.is_administrator.is_(True)))
        admin_role.permissions = [p for p in admin_role.permissions if p != "tags.manage"]
        db.session.commit()
    client.login("admin@acme.example")
    assert client.get("/acme/activity/tags").status_code == 200
