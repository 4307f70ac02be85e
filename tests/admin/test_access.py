"""Every admin endpoint refuses a Sales Rep of the same organization, and asks who you are first."""

import re

import pytest

from crm.permissions import ADMIN_PERMISSIONS
from tests.admin.support import audit
from tests.admin.support import invitations
from tests.admin.support import login_as
from tests.admin.support import member
from tests.admin.support import org_row
from tests.admin.support import role
from tests.admin.support import role_id
from tests.admin.support import role_names
from tests.admin.support import stage_id
from tests.admin.support import stages
from tests.helpers import text_of
from tests.scoring.support import a_rule_id

# Plausible form data, so that a missing guard would actually change something.
FORMS = {
    "admin.members_change_role": lambda org: {"role_id": role_id(org, "Administrator")},
    "admin.invitations_send": lambda org: {"email": "intruder@example.com", "role_id": role_id(org, "Administrator")},
    "admin.roles_create": lambda org: {"name": "Rogue", "permissions": ["admin.members"]},
    "admin.roles_update": lambda org: {"name": "Sales Rep", "permissions": ADMIN_PERMISSIONS},
    "admin.stages_create": lambda org: {"name": "Rogue", "probability": "1", "expected_days": "1", "kind": "open"},
    "admin.stages_update": lambda org: {"name": "Rogue", "probability": "1", "expected_days": "1", "kind": "open"},
    "admin.stages_move": lambda org: {"direction": "down"},
    "admin.settings": lambda org: {"name": "Rogue", "currency": "EUR", "timezone": "UTC"},
}


def _a_failed_job_id(org) -> int:
    from crm.extensions import db
    from crm.models import BackgroundJob
    from tenants.context import org_context

    with org_context(org.id):
        job = BackgroundJob(kind="walk", func="tests.jobs.job_functions:record_tag", args=["walk"], status="failed",
                            error="Walk failure")
        db.session.add(job)
        db.session.commit()
        return job.id


def _admin_requests(app, org):
    """(endpoint, method, url) for every rule of the admin blueprint, with A's real record ids."""
    ids = {
        "member_id": member(org, "admin@acme.example")["id"],
        "role_id": role_id(org, "Sales Rep"),
        "stage_id": stage_id(org, "Proposal"),
        "invitation_id": invitations(org)[0]["id"],
        "rule_id": a_rule_id(org),
        "job_id": _a_failed_job_id(org),
    }
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        values = {"org_slug": "acme"}
        for arg in rule.arguments - {"org_slug"}:
            assert arg in ids, f"{rule.rule}: add a real id for <{arg}> to this test"
            values[arg] = ids[arg]
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def _state(org):
    return {
        "members": [member(org, e) for e in ("admin@acme.example", "sales.rep@acme.example")],
        "roles": role_names(org), "sales_rep": role(org, "Sales Rep"), "stages": stages(org),
        "invitations": invitations(org), "settings": org_row("acme"), "audit": len(audit(org)),
    }


@pytest.fixture
def pending_invitation(admin_a, org_a):
    admin_a.post("/acme/admin/invitations", data={"email": "pending@example.com", "role_id": role_id(org_a, "Sales Rep")})
    assert len(invitations(org_a)) == 1


def test_every_admin_endpoint_is_403_for_a_sales_rep(app, org_a, pending_invitation):
    requests = _admin_requests(app, org_a)
    endpoints = {endpoint for endpoint, _, _ in requests}
    # The walk must cover the whole console; a new route shows up here automatically.
    assert {"admin.members_list", "admin.members_remove", "admin.invitations_revoke", "admin.roles_delete",
            "admin.stages_move", "admin.settings", "admin.audit_log"} <= endpoints
    rep = login_as(app, "sales.rep@acme.example")
    before = _state(org_a)
    for endpoint, method, url in requests:
        data = FORMS.get(endpoint, lambda org: {})(org_a) if method == "POST" else None
        response = rep.open(url, method=method, data=data)
        assert response.status_code == 403, (endpoint, method, url, response.status_code)
        assert "Your role does not allow this" in text_of(response), (endpoint, method)
        hx = rep.open(url, method=method, data=data, headers={"HX-Request": "true"})
        assert hx.status_code == 403, (endpoint, method, "htmx")
        assert "<html" not in hx.get_data(as_text=True)
    assert _state(org_a) == before


def test_admin_nav_is_hidden_from_a_sales_rep(app, org_a):
    rep = login_as(app, "sales.rep@acme.example")
    html = rep.get("/acme/").get_data(as_text=True)
    assert "/acme/admin/" not in html


def test_signed_out_visitor_is_sent_to_sign_in(app, org_a, client, pending_invitation):
    anonymous = app.test_client()
    for endpoint, method, url in _admin_requests(app, org_a):
        response = anonymous.open(url, method=method)
        assert response.status_code in (302, 401), (endpoint, method)
        assert "/login" in response.headers.get("Location", ""), (endpoint, method)


def test_each_admin_section_needs_its_own_permission(admin_a, org_a, app):
    """A role with only admin.audit opens the audit log and nothing else of the console."""
    admin_a.post("/acme/admin/roles", data={"name": "Auditor", "permissions": ["admin.audit"]})
    rep = member(org_a, "sales.rep@acme.example")
    admin_a.post(f"/acme/admin/members/{rep['id']}/role", data={"role_id": role_id(org_a, "Auditor")})
    auditor = login_as(app, "sales.rep@acme.example")
    assert auditor.get("/acme/admin/audit").status_code == 200
    for path in ("members", "invitations", "roles", "stages", "settings"):
        assert auditor.get(f"/acme/admin/{path}").status_code == 403, path
