"""The member's notification settings page: one row per kind, three choices, own settings
only, and an organization's settings stay in that organization."""

import re

import sqlalchemy as sa

from crm.extensions import db
from crm.models import NotificationPreference
from crm.models import User
from tests.email.support import REP
from tests.email.support import notify_and_commit
from tests.email.support import user_id
from tests.helpers import add_member
from tests.helpers import tenant
from tests.helpers import text_of


def _checked(html: str) -> dict[str, str]:
    return {name: value for name, value in re.findall(
        r'<input type="radio" name="([a-z_]+)" value="([a-z_]+)"[^>]*checked', html)}


def _rep(app):
    client = app.test_client()
    assert client.login(REP).status_code == 302
    return client


def test_the_page_shows_every_kind_with_its_default(app, org_a):
    response = _rep(app).get("/acme/notifications/preferences")
    assert response.status_code == 200
    text = text_of(response)
    for label in ("is assigned to you", "mentions you in a note", "moved to won", "tasks due today and overdue"):
        assert label in text
    assert _checked(response.get_data(as_text=True)) == {
        "assigned": "email", "mention": "in_app", "won": "digest", "tasks_due": "digest"}


def test_the_notifications_page_links_to_the_settings(app, org_a):
    assert "/acme/notifications/preferences" in _rep(app).get("/acme/notifications/").get_data(as_text=True)


def test_saving_changes_what_arrives(app, org_a, inbox):
    rep = _rep(app)
    response = rep.post("/acme/notifications/preferences", data={
        "assigned": "in_app", "mention": "email", "won": "digest", "tasks_due": "in_app"})
    assert response.status_code == 303
    page = rep.get("/acme/notifications/preferences")
    assert "Notification settings saved." in text_of(page)
    assert _checked(page.get_data(as_text=True))["assigned"] == "in_app"
    notify_and_commit(org_a, REP, "assigned:quiet")
    notify_and_commit(org_a, REP, "mention:loud", kind="mention")
    assert [m["Subject"] for m in inbox.to(REP)] == ["[Acme Inc] Something for you (mention:loud)"]


def test_a_bad_choice_is_refused_with_the_form_and_nothing_is_saved(app, org_a):
    rep = _rep(app)
    for data, message in (({"assigned": "carrier-pigeon"}, "can be delivered as"),
                          ({"tasks_due": "email"}, "can be delivered as: In the app only, Daily digest"),
                          ({"nonsense": "email"}, None)):
        response = rep.post("/acme/notifications/preferences", data=data)
        if message:
            assert response.status_code == 422 and message in text_of(response)
        else:
            assert response.status_code == 303, "unknown fields are ignored"
    with tenant(org_a) as s:
        assert s.scalars(sa.select(NotificationPreference)).all() == []


def test_settings_belong_to_one_member_in_one_organization(app, org_a, org_b):
    """A member of A and B: choices made in A do not apply in B, and B's other members never see them."""
    add_member(org_b, REP, "Sales Rep", user=db.session.get(User, user_id(REP)))
    rep = _rep(app)
    rep.post("/acme/notifications/preferences", data={"assigned": "in_app"})
    assert _checked(rep.get("/acme/notifications/preferences").get_data(as_text=True))["assigned"] == "in_app"
    assert _checked(rep.get("/bravo/notifications/preferences").get_data(as_text=True))["assigned"] == "email"
    with tenant(org_b) as s:
        assert s.scalars(sa.select(NotificationPreference)).all() == []
    other = app.test_client()
    other.login("admin@bravo.example")
    assert _checked(other.get("/bravo/notifications/preferences").get_data(as_text=True))["assigned"] == "email"
    assert other.get("/acme/notifications/preferences").status_code == 404
