"""The last active Administrator cannot be demoted, deactivated or removed."""

import pytest

from tests.admin.support import HX
from tests.admin.support import audit
from tests.admin.support import login_as
from tests.admin.support import member
from tests.admin.support import role_id
from tests.helpers import text_of

ADMIN = "admin@acme.example"
MESSAGE = "is the last active Administrator"


def _attempt(client, org, how, headers=None):
    admin = member(org, ADMIN)
    if how == "demote":
        return client.post(f"/acme/admin/members/{admin['id']}/role", data={"role_id": role_id(org, "Sales Rep")},
                           headers=headers)
    return client.post(f"/acme/admin/members/{admin['id']}/{how}", headers=headers)


@pytest.mark.parametrize("how", ["demote", "deactivate", "remove"])
def test_last_admin_is_refused(admin_a, org_a, how):
    before = member(org_a, ADMIN)
    response = _attempt(admin_a, org_a, how)
    assert response.status_code == 422
    page = text_of(response)
    assert MESSAGE in page
    assert page.count(MESSAGE) == 1  # said once, not once as a flash and again in the section
    assert "Make another member an Administrator first." in page
    assert member(org_a, ADMIN) == before
    assert audit(org_a) == []
    # Still an administrator: the console still opens.
    assert admin_a.get("/acme/admin/members").status_code == 200


@pytest.mark.parametrize("how", ["demote", "deactivate", "remove"])
def test_last_admin_is_refused_over_htmx(admin_a, org_a, how):
    response = _attempt(admin_a, org_a, how, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="members"' in html
    assert MESSAGE in text_of(response)
    assert member(org_a, ADMIN)["role"] == "Administrator" and member(org_a, ADMIN)["active"]


@pytest.mark.parametrize("how", ["demote", "deactivate", "remove"])
def test_an_inactive_second_admin_does_not_count(admin_a, org_a, how):
    manager = member(org_a, "sales.manager@acme.example")
    admin_a.post(f"/acme/admin/members/{manager['id']}/role", data={"role_id": role_id(org_a, "Administrator")})
    admin_a.post(f"/acme/admin/members/{manager['id']}/deactivate")
    assert member(org_a, "sales.manager@acme.example") == {**manager, "role": "Administrator", "active": False}
    response = _attempt(admin_a, org_a, how)
    assert response.status_code == 422
    assert MESSAGE in text_of(response)
    assert member(org_a, ADMIN)["role"] == "Administrator" and member(org_a, ADMIN)["active"]


@pytest.mark.parametrize("how", ["demote", "deactivate", "remove"])
def test_allowed_once_a_second_admin_exists(admin_a, org_a, app, how):
    manager = member(org_a, "sales.manager@acme.example")
    response = admin_a.post(f"/acme/admin/members/{manager['id']}/role", data={"role_id": role_id(org_a, "Administrator")})
    assert response.status_code == 302
    second = login_as(app, "sales.manager@acme.example")
    response = _attempt(second, org_a, how)
    assert response.status_code == 302
    after = member(org_a, ADMIN)
    if how == "demote":
        assert after["role"] == "Sales Rep" and after["active"]
    elif how == "deactivate":
        assert after["role"] == "Administrator" and not after["active"]
    else:
        assert after is None
    # Now the second admin is the last one, and is protected in turn.
    last = member(org_a, "sales.manager@acme.example")
    response = second.post(f"/acme/admin/members/{last['id']}/deactivate")
    assert response.status_code == 422
    assert MESSAGE in text_of(response)
    assert member(org_a, "sales.manager@acme.example")["active"]


def test_admin_may_demote_themselves_when_another_admin_exists(admin_a, org_a):
    manager = member(org_a, "sales.manager@acme.example")
    admin_a.post(f"/acme/admin/members/{manager['id']}/role", data={"role_id": role_id(org_a, "Administrator")})
    response = _attempt(admin_a, org_a, "demote")
    assert response.status_code == 302
    assert admin_a.get("/acme/admin/members").status_code == 403
    assert len(audit(org_a, "member.role")) == 2


@pytest.mark.postgres
def test_two_admins_demoting_each_other_at_once_leave_one(admin_a, org_a, app, monkeypatch):
    """Both requests check "another admin exists" before either writes: one must wait and be refused.

    Deterministic, no sleeps: A's request pauses right after its check until B's request is
    either finished (no locking: both succeed, the bug) or waiting for a row lock (locking works).
    """
    import threading

    import sqlalchemy as sa

    from crm.extensions import db
    from crm.services import members as members_service
    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: SQLite serializes writers")
    manager = member(org_a, "sales.manager@acme.example")
    admin_a.post(f"/acme/admin/members/{manager['id']}/role", data={"role_id": role_id(org_a, "Administrator")})
    second = login_as(app, "sales.manager@acme.example")
    admin, sales_rep = member(org_a, ADMIN), role_id(org_a, "Sales Rep")
    a_checked, b_done = threading.Event(), threading.Event()
    original = members_service._active_admin_count

    def b_is_blocked() -> bool:
        with db.engine.connect() as conn:
            return bool(conn.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")))

    def count_then_pause():
        n = original()
        if threading.current_thread().name == "A":
            a_checked.set()
            for _ in range(1000):  # at most ~10 s, normally a few ms
                if b_done.wait(0.01) or b_is_blocked():
                    break
        return n

    monkeypatch.setattr(members_service, "_active_admin_count", count_then_pause)
    statuses = {}

    def demote(name, client, member_id):
        try:
            statuses[name] = client.post(f"/acme/admin/members/{member_id}/role", data={"role_id": sales_rep}).status_code
        finally:
            if name == "B":
                b_done.set()

    a = threading.Thread(target=demote, args=("A", admin_a, manager["id"]), name="A")
    b = threading.Thread(target=demote, args=("B", second, admin["id"]), name="B")
    a.start()
    assert a_checked.wait(10)
    b.start()
    a.join(20), b.join(20)
    assert sorted(statuses.values()) == [302, 422], statuses
    admins = [m for m in (member(org_a, ADMIN), member(org_a, "sales.manager@acme.example")) if m["role"] == "Administrator"]
    assert len(admins) == 1
