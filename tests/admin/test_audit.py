"""The audit log: one row per admin action; the list page, its filters and pager."""

import re
from datetime import timedelta

import pytest

from crm import clock
from tests.admin.support import HX
from tests.admin.support import audit
from tests.admin.support import invitations
from tests.admin.support import login_as
from tests.admin.support import member
from tests.admin.support import role_id
from tests.admin.support import stage_id
from tests.admin.support import tenant
from tests.admin.support import user_id
from tests.helpers import text_of

ADMIN = "admin@acme.example"


def _actions(response) -> list[str]:
    return re.findall(r'class="audit-row" data-action="([^"]+)"', response.get_data(as_text=True))


def _every_admin_action(client, org):
    """Each admin action once, in order; yields the action name expected after each step."""
    rep = member(org, "sales.rep@acme.example")
    steps = [
        ("member.role", lambda: client.post(f"/acme/admin/members/{rep['id']}/role", data={"role_id": role_id(org, "Support Agent")})),
        ("member.deactivate", lambda: client.post(f"/acme/admin/members/{rep['id']}/deactivate")),
        ("member.reactivate", lambda: client.post(f"/acme/admin/members/{rep['id']}/reactivate")),
        ("member.remove", lambda: client.post(f"/acme/admin/members/{rep['id']}/remove")),
        ("invitation.send", lambda: client.post("/acme/admin/invitations", data={"email": "x@example.com", "role_id": role_id(org, "Sales Rep")})),
        ("invitation.resend", lambda: client.post(f"/acme/admin/invitations/{invitations(org)[0]['id']}/resend")),
        ("invitation.revoke", lambda: client.post(f"/acme/admin/invitations/{invitations(org)[0]['id']}/revoke")),
        ("role.create", lambda: client.post("/acme/admin/roles", data={"name": "Auditor", "permissions": ["admin.audit"]})),
        ("role.update", lambda: client.post(f"/acme/admin/roles/{role_id(org, 'Auditor')}", data={"name": "Auditors", "permissions": ["admin.audit"]})),
        ("role.delete", lambda: client.post(f"/acme/admin/roles/{role_id(org, 'Auditors')}/delete")),
        ("stage.create", lambda: client.post("/acme/admin/stages", data={"name": "Demo", "probability": "40", "expected_days": "5", "kind": "open"})),
        ("stage.update", lambda: client.post(f"/acme/admin/stages/{stage_id(org, 'Demo')}", data={"name": "Demo call", "probability": "45", "expected_days": "5", "kind": "open"})),
        ("stage.reorder", lambda: client.post(f"/acme/admin/stages/{stage_id(org, 'Demo call')}/move", data={"direction": "up"})),
        ("stage.delete", lambda: client.post(f"/acme/admin/stages/{stage_id(org, 'Demo call')}/delete")),
        ("settings.update", lambda: client.post("/acme/admin/settings", data={"name": "Acme 2", "currency": "EUR", "timezone": "Europe/Berlin"})),
    ]
    for action, step in steps:
        response = step()
        assert response.status_code == 302, (action, response.get_data(as_text=True)[:500])
        yield action


# Actions whose row has no "before" (a creation) or no "after" (a removal) by nature.
CREATES = {"invitation.send", "role.create", "stage.create"}
REMOVES = {"member.remove", "role.delete", "stage.delete"}


def test_every_admin_action_writes_exactly_one_row(admin_a, org_a):
    admin = user_id(ADMIN)
    seen = 0
    for action in _every_admin_action(admin_a, org_a):
        rows = audit(org_a)
        assert len(rows) == seen + 1, (action, [r["action"] for r in rows[seen:]])
        row = rows[-1]
        seen += 1
        assert row["action"] == action
        assert row["actor_id"] == admin, action
        assert row["target_id"] is not None, action
        assert row["summary"], action
        assert (row["before"] is None) == (action in CREATES), action
        assert (row["after"] is None) == (action in REMOVES), action


def test_resend_records_before_and_after(admin_a, org_a):
    admin_a.post("/acme/admin/invitations", data={"email": "x@example.com", "role_id": role_id(org_a, "Sales Rep")})
    admin_a.post(f"/acme/admin/invitations/{invitations(org_a)[0]['id']}/resend")
    [row] = audit(org_a, "invitation.resend")
    assert row["before"] and row["after"] and row["before"] != row["after"]


def test_refused_actions_write_nothing(admin_a, org_a):
    admin = member(org_a, ADMIN)
    admin_a.post(f"/acme/admin/members/{admin['id']}/deactivate")
    admin_a.post(f"/acme/admin/roles/{role_id(org_a, 'Sales Rep')}/delete")
    admin_a.post("/acme/admin/stages", data={"name": "Bad", "probability": "500", "expected_days": "1", "kind": "open"})
    admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Closed Won')}/delete")
    admin_a.post("/acme/admin/settings", data={"name": "Acme", "currency": "XXX", "timezone": "UTC"})
    admin_a.post("/acme/admin/invitations", data={"email": "sales.rep@acme.example", "role_id": role_id(org_a, "Sales Rep")})
    assert audit(org_a) == []


def test_list_is_newest_first_and_shows_who_and_what(admin_a, org_a):
    actions = []
    for action in _every_admin_action(admin_a, org_a):
        actions.append(action)
        clock.travel(timedelta(seconds=1))
    response = admin_a.get("/acme/admin/audit")
    assert response.status_code == 200
    assert _actions(response) == list(reversed(actions))
    html = response.get_data(as_text=True)
    assert "Admin" in html and "Deactivated sales.rep@acme.example" in html
    assert "&#34;role&#34;: &#34;Sales Rep&#34;" in html or '"role": "Sales Rep"' in html  # the before/after values


def _two_days_of_entries(admin_a, org_a, app):
    """Day 1: Acme's admin renames a stage. Day 3: a second admin changes settings."""
    admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Proposal')}",
                 data={"name": "Quote", "probability": "50", "expected_days": "21", "kind": "open"})
    manager = member(org_a, "sales.manager@acme.example")
    admin_a.post(f"/acme/admin/members/{manager['id']}/role", data={"role_id": role_id(org_a, "Administrator")})
    day_one = clock.now().date()
    clock.travel(timedelta(days=2))
    second = login_as(app, "sales.manager@acme.example")
    second.post("/acme/admin/settings", data={"name": "Acme Two", "currency": "USD", "timezone": "UTC"})
    return second, day_one, clock.now().date()


def test_filters(admin_a, org_a, app):
    second, day_one, day_three = _two_days_of_entries(admin_a, org_a, app)
    everything = ["settings.update", "member.role", "stage.update"]
    assert _actions(admin_a.get("/acme/admin/audit")) == everything

    assert _actions(admin_a.get("/acme/admin/audit?action=member.role")) == ["member.role"]
    assert _actions(admin_a.get("/acme/admin/audit?action=stage")) == ["stage.update"]  # a whole area
    assert _actions(admin_a.get("/acme/admin/audit?action=role.delete")) == []
    assert "No entries match these filters." in admin_a.get("/acme/admin/audit?action=role.delete").get_data(as_text=True)

    admin, manager = user_id(ADMIN), user_id("sales.manager@acme.example")
    assert _actions(admin_a.get(f"/acme/admin/audit?actor={admin}")) == ["member.role", "stage.update"]
    assert _actions(admin_a.get(f"/acme/admin/audit?actor={manager}")) == ["settings.update"]

    assert _actions(admin_a.get(f"/acme/admin/audit?from={day_three}")) == ["settings.update"]
    assert _actions(admin_a.get(f"/acme/admin/audit?to={day_one}")) == ["member.role", "stage.update"]
    assert _actions(admin_a.get(f"/acme/admin/audit?from={day_one}&to={day_one}")) == ["member.role", "stage.update"]
    assert _actions(admin_a.get(f"/acme/admin/audit?from={day_one + timedelta(days=1)}&to={day_one + timedelta(days=1)}")) == []
    assert _actions(admin_a.get(f"/acme/admin/audit?from={day_one}&to={day_three}&actor={admin}&action=stage.update")) == ["stage.update"]

    # The filter form keeps the chosen values.
    html = admin_a.get(f"/acme/admin/audit?action=member.role&from={day_one}").get_data(as_text=True)
    assert '<option value="member.role" selected>' in html
    assert f'name="from" value="{day_one}"' in html


def test_filters_over_htmx_return_the_fragment(admin_a, org_a, app):
    _two_days_of_entries(admin_a, org_a, app)
    response = admin_a.get("/acme/admin/audit?action=settings.update", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert _actions(response) == ["settings.update"]
    assert "HX-Request" in response.headers.get("Vary", "")


def test_pages(admin_a, org_a):
    from crm.blueprints.admin.routes import AUDIT_PAGE_SIZE
    from crm.models import AuditEntry

    total = AUDIT_PAGE_SIZE + 3
    with tenant(org_a) as session:
        for n in range(total):
            session.add(AuditEntry(action="stage.update", target_type="PipelineStage", summary=f"Change number {n}.",
                                   created_at=clock.now() + timedelta(seconds=n)))
        session.commit()
    first = admin_a.get("/acme/admin/audit")
    html = first.get_data(as_text=True)
    assert len(_actions(first)) == AUDIT_PAGE_SIZE
    assert f"Change number {total - 1}." in html and "Change number 2." not in html
    assert "Older" in html and "Newer" not in html
    second = admin_a.get("/acme/admin/audit?page=2&action=stage.update")
    html = second.get_data(as_text=True)
    assert len(_actions(second)) == 3
    assert "Change number 2." in html and "Change number 0." in html and "Change number 3." not in html
    assert "Newer" in html and "Older" not in html
    assert "action=stage.update" in html.split("Newer")[0].rsplit("<a", 1)[1]  # the pager keeps the filters
    assert _actions(admin_a.get("/acme/admin/audit?page=3")) == []


@pytest.mark.parametrize("query", [
    "page=abc", "page=0", "page=-1", "page=1.5", "page=99999999999999999999999", "page=%C2%B2", "page=%D9%A3",
    "from=2024-02-30", "from=yesterday", "to=9999-12-31", "from=0001-01-01", "to=0001-01-01",
    "from=2024-01-01T00:00", "actor=abc", "actor=%C2%B2", "actor=99999999999999999999999", "actor=-1",
    "action=%00", "action=%25", "action=.",
])
def test_bad_parameters_do_not_break_the_page(admin_a, org_a, query):
    admin_a.post("/acme/admin/settings", data={"name": "Acme 2", "currency": "USD", "timezone": "UTC"})
    response = admin_a.get(f"/acme/admin/audit?{query}")
    assert response.status_code == 200
    assert "Audit log" in response.get_data(as_text=True)


def test_a_date_that_is_not_a_date_is_ignored_with_a_note(admin_a, org_a):
    admin_a.post("/acme/admin/settings", data={"name": "Acme 2", "currency": "USD", "timezone": "UTC"})
    response = admin_a.get("/acme/admin/audit?from=2024-02-30&to=9999-12-31")
    assert response.status_code == 200
    assert "“2024-02-30” is not a date, so the “From” filter was ignored; use YYYY-MM-DD." in text_of(response)
    assert _actions(response) == ["settings.update"]


def test_actor_filter_lists_people_who_acted_even_after_removal(admin_a, org_a, app):
    manager = member(org_a, "sales.manager@acme.example")
    admin_a.post(f"/acme/admin/members/{manager['id']}/role", data={"role_id": role_id(org_a, "Administrator")})
    login_as(app, "sales.manager@acme.example").post(
        "/acme/admin/settings", data={"name": "Acme 2", "currency": "USD", "timezone": "UTC"})
    admin_a.post(f"/acme/admin/members/{manager['id']}/remove")
    html = admin_a.get("/acme/admin/audit").get_data(as_text=True)
    assert f'<option value="{user_id("sales.manager@acme.example")}"' in html
    assert _actions(admin_a.get(f"/acme/admin/audit?actor={user_id('sales.manager@acme.example')}")) == ["settings.update"]


def test_only_this_orgs_entries(admin_a, org_a, org_b, app):
    bravo = login_as(app, "admin@bravo.example")
    bravo.post("/bravo/admin/settings", data={"name": "Bravo secret rename", "currency": "USD", "timezone": "UTC"})
    html = admin_a.get("/acme/admin/audit").get_data(as_text=True)
    assert "Bravo secret rename" not in html
    assert _actions(admin_a.get(f"/acme/admin/audit?actor={user_id('admin@bravo.example')}")) == []
