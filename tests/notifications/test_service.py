"""notify(): who is told, deduplication (also when two saves race), and that notifications
belong to the caller's transaction."""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Lead
from crm.models import Notification
from crm.services import notifications
from crm.services.notifications import notify
from crm.services.notifications import notify_assigned
from crm.services.notifications import unread_count
from tenants.context import org_context
from tests.notifications.support import ADMIN
from tests.notifications.support import REP
from tests.notifications.support import add_notifications
from tests.notifications.support import notifications_of
from tests.notifications.support import user_id


def test_the_same_key_notifies_once(org_a):
    rep = user_id(REP)
    with org_context(org_a.id):
        assert notify(rep, "test", "Hello", "/acme/leads/", "same") is not None
        db.session.commit()
        assert notify(rep, "test", "Hello again", "/acme/leads/", "same") is None
        db.session.commit()
    assert [n["message"] for n in notifications_of(org_a, REP)] == ["Hello"]


def test_a_key_is_unique_per_organization_only(org_a, org_b):
    with org_context(org_a.id):
        notify(user_id(REP), "test", "For Acme", None, "shared-key")
        db.session.commit()
    with org_context(org_b.id):
        assert notify(user_id("sales.rep@bravo.example"), "test", "For Bravo", None, "shared-key") is not None
        db.session.commit()
    assert len(notifications_of(org_b, "sales.rep@bravo.example")) == 1


def test_nobody_and_non_members_are_not_notified(org_a, org_b):
    with org_context(org_a.id):
        assert notify(None, "test", "Nobody", None, "k1") is None
        assert notify(user_id("admin@bravo.example"), "test", "Not a member here", None, "k2") is None
        db.session.commit()
    assert notifications_of(org_a, "admin@bravo.example") == [] and notifications_of(org_b, "admin@bravo.example") == []


def test_a_long_message_is_cut_and_an_overlong_link_dropped(org_a):
    with org_context(org_a.id):
        notify(user_id(REP), "test", "x" * 400, "/acme/" + "y" * 600, "long")
        db.session.commit()
    [note] = notifications_of(org_a, REP)
    assert len(note["message"]) == 300 and note["message"].endswith("…") and note["link"] is None


def test_a_racing_insert_of_the_same_key_is_swallowed_and_the_callers_work_survives(org_a, monkeypatch):
    """Two saves of the same thing at once: the other one's row lands between our check and our
    insert. The unique key refuses ours inside a savepoint; the caller's transaction goes on."""
    rep, original = user_id(REP), notifications._on_sqlite_outside_transaction

    def the_other_request_wins():
        db.session.execute(sa.insert(Notification.__table__).values(
            org_id=org_a.id, user_id=rep, kind="test", message="The other request", dedupe_key="raced",
            created_at=sa.func.now()))
        return original()

    with org_context(org_a.id):
        db.session.add(Lead(first_name="Kept", last_name="Lead"))
        db.session.flush()
        monkeypatch.setattr(notifications, "_on_sqlite_outside_transaction", the_other_request_wins)
        assert notify(rep, "test", "Ours", None, "raced") is None
        monkeypatch.setattr(notifications, "_on_sqlite_outside_transaction", original)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead).where(Lead.first_name == "Kept")) == 1
    assert [n["message"] for n in notifications_of(org_a, REP)] == ["The other request"]


def test_a_notification_rolls_back_with_the_callers_transaction(org_a):
    rep = user_id(REP)
    with org_context(org_a.id):
        notify(rep, "test", "Before anything was written", None, "early")
        db.session.rollback()
        db.session.add(Lead(first_name="Doomed", last_name="Lead"))
        db.session.flush()
        notify(rep, "test", "After a write", None, "late")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 0, "the savepoint committed nothing"
    assert notifications_of(org_a, REP) == []


def test_one_save_assigning_twice_notifies_once_and_a_later_assignment_again(org_a):
    rep = user_id(REP)
    with org_context(org_a.id):
        notify_assigned(rep, "Ada Lovelace", "lead", "/acme/leads/1", "lead:1")
        notify_assigned(rep, "Ada Lovelace", "lead", "/acme/leads/1", "lead:1")
        db.session.commit()
        assert len(notifications_of(org_a, REP)) == 1
    with org_context(org_a.id):
        notify_assigned(rep, "Ada Lovelace", "lead", "/acme/leads/1", "lead:1")
        db.session.commit()
    messages = [n["message"] for n in notifications_of(org_a, REP)]
    assert messages == ["Someone assigned you the lead “Ada Lovelace”"] * 2


def test_unread_count_counts_the_members_unread_only(org_a):
    add_notifications(org_a, REP, 3)
    add_notifications(org_a, REP, 2, read=True, prefix="Read")
    add_notifications(org_a, ADMIN, 4)
    with org_context(org_a.id):
        assert unread_count(user_id(REP)) == 3 and unread_count(user_id(ADMIN)) == 4 and unread_count(None) == 0
