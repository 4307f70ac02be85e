"""Assigning a lead tells its new owner, once per assignment, never the member who took it."""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Lead
from crm.models import Organization
from crm.services.notifications import notify
from tenants.context import org_context
from tenants.context import unscoped
from tests.helpers import add_member
from tests.helpers import tenant
from tests.helpers import text_of
from tests.notifications.support import ADMIN
from tests.notifications.support import HX
from tests.notifications.support import MANAGER
from tests.notifications.support import REP
from tests.notifications.support import notifications_of
from tests.notifications.support import user_id


def _lead_id(org, last_name: str) -> int:
    with tenant(org) as s:
        return s.scalar(sa.select(Lead.id).where(Lead.last_name == last_name))


def _create(client, last_name: str, owner_email: str | None):
    data = {"first_name": "Ada", "last_name": last_name, "status": "new",
            "owner_id": str(user_id(owner_email)) if owner_email else ""}
    response = client.post("/acme/leads/", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return _lead_id(_acme(), last_name)


def _acme() -> int:
    with unscoped():
        return db.session.scalar(sa.select(Organization.id).where(Organization.slug == "acme"))


def _edit(client, lead_id: int, owner_email: str | None, **fields):
    data = {"first_name": "Ada", "last_name": fields.pop("last_name", "Lovelace"), "status": "new",
            "owner_id": str(user_id(owner_email)) if owner_email else "", **fields}
    response = client.post(f"/acme/leads/{lead_id}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def test_creating_a_lead_for_someone_notifies_them_once_with_a_link(admin_a, org_a):
    lead_id = _create(admin_a, "Lovelace", REP)
    [note] = notifications_of(org_a, REP)
    assert note["kind"] == "assigned"
    assert note["message"] == "Admin assigned you the lead “Ada Lovelace”"
    assert note["link"] == f"/acme/leads/{lead_id}"
    assert notifications_of(org_a, ADMIN) == []


def test_the_new_owner_sees_it_on_the_bell_and_opens_the_lead(app, admin_a, org_a):
    lead_id = _create(admin_a, "Lovelace", REP)
    rep = app.test_client()
    rep.login(REP)
    assert 'aria-label="Notifications, 1 unread"' in rep.get("/acme/").get_data(as_text=True)
    [note] = notifications_of(org_a, REP)
    opened = rep.get(f"/acme/notifications/{note['id']}")
    assert opened.status_code == 303 and opened.location.endswith(f"/acme/leads/{lead_id}")
    assert 'aria-label="Notifications, 0 unread"' in rep.get(opened.location).get_data(as_text=True)


def test_a_lead_created_for_oneself_or_for_nobody_notifies_nobody(admin_a, rep_client, org_a):
    _create(admin_a, "Mine", ADMIN)
    _create(admin_a, "Nobodys", None)
    _create(rep_client, "Reps", REP)
    assert all(notifications_of(org_a, email) == [] for email in (ADMIN, REP, MANAGER))


def test_changing_the_owner_notifies_the_new_owner_and_saving_again_does_not(admin_a, org_a):
    lead_id = _create(admin_a, "Lovelace", None)
    _edit(admin_a, lead_id, REP)
    assert [n["message"] for n in notifications_of(org_a, REP)] == ["Admin assigned you the lead “Ada Lovelace”"]
    _edit(admin_a, lead_id, REP, title="CTO")
    assert len(notifications_of(org_a, REP)) == 1, "an edit that keeps the owner notifies nobody"
    _edit(admin_a, lead_id, MANAGER)
    assert len(notifications_of(org_a, MANAGER)) == 1
    _edit(admin_a, lead_id, REP)
    assert len(notifications_of(org_a, REP)) == 2, "assigned again later: told again"


def test_taking_a_lead_oneself_notifies_nobody(manager_client, org_a, admin_a):
    lead_id = _create(admin_a, "Lovelace", None)
    _edit(manager_client, lead_id, MANAGER)
    assert notifications_of(org_a, MANAGER) == []


def test_an_inactive_member_is_not_notified(admin_a, org_a):
    add_member(org_a, "gone@acme.example", "Sales Rep", active=False)
    lead_id = _create(admin_a, "Lovelace", None)
    with tenant(org_a) as s:
        s.get(Lead, lead_id).owner_id = user_id("gone@acme.example")
        s.commit()
    with org_context(org_a.id):
        assert notify(user_id("gone@acme.example"), "test", "Hello", None, "gone") is None
    assert notifications_of(org_a, "gone@acme.example") == []


def _bulk_assign(client, ids, owner_email):
    return client.post("/acme/leads/bulk", headers=HX,
                       data={"action": "assign", "owner_id": str(user_id(owner_email)), "ids": [str(i) for i in ids]})


def test_bulk_assigning_several_leads_notifies_the_owner_once(admin_a, org_a):
    ids = [_create(admin_a, f"Bulk{i}", None) for i in range(3)]
    assert _bulk_assign(admin_a, ids, REP).status_code == 200
    [note] = notifications_of(org_a, REP)
    assert note["message"] == "Admin assigned you 3 leads"
    assert note["link"] == f"/acme/leads/?owner={user_id(REP)}"
    assert _bulk_assign(admin_a, ids, REP).status_code == 200
    assert len(notifications_of(org_a, REP)) == 1, "they own them already: nothing new"


def test_a_bulk_assignment_counts_only_the_leads_that_changed_owner(admin_a, org_a):
    owned = _create(admin_a, "Owned", REP)
    fresh = [_create(admin_a, f"Fresh{i}", None) for i in range(2)]
    _bulk_assign(admin_a, [owned, *fresh], REP)
    assert [n["message"] for n in notifications_of(org_a, REP)] == [
        "Admin assigned you the lead “Ada Owned”", "Admin assigned you 2 leads"]


def test_bulk_assigning_one_lead_names_it(admin_a, org_a):
    lead_id = _create(admin_a, "Single", None)
    _bulk_assign(admin_a, [lead_id], REP)
    [note] = notifications_of(org_a, REP)
    assert note["message"] == "Admin assigned you the lead “Ada Single”" and note["link"] == f"/acme/leads/{lead_id}"


def test_bulk_assigning_to_oneself_notifies_nobody(admin_a, org_a):
    ids = [_create(admin_a, f"Self{i}", None) for i in range(2)]
    _bulk_assign(admin_a, ids, ADMIN)
    assert notifications_of(org_a, ADMIN) == []


def test_the_notification_page_shows_the_assignment(app, admin_a, org_a):
    _create(admin_a, "Lovelace", REP)
    rep = app.test_client()
    rep.login(REP)
    assert "Admin assigned you the lead “Ada Lovelace”" in text_of(rep.get("/acme/notifications/"))
