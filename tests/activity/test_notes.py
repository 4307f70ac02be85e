"""Notes: add, edit, pin, delete and undo; @mentions notify each mentioned member once."""

import pytest

from crm.models import ActivityEvent
from crm.models import Note
from crm.models import Notification
from tests.activity.support import HX
from tests.activity.support import count
from tests.activity.support import events
from tests.activity.support import live
from tests.activity.support import rows
from tests.activity.support import toast_of
from tests.activity.support import url
from tests.activity.support import user_id
from tests.helpers import add_member
from tests.helpers import make_org
from tests.helpers import text_of

REP = "sales.rep@acme.example"
MANAGER = "sales.manager@acme.example"


def _add(client, on, record_id, body):
    return client.post(url(on, record_id, "notes"), data={"body": body}, headers=HX)


def _note_ids(org) -> list[int]:
    return [n["id"] for n in rows(org, Note)]


def test_add_a_note(admin_a, org_a, recs):
    response = _add(admin_a, "lead", recs.lead, "Prefers email.\nCall after 3pm.")
    assert response.status_code == 200
    assert toast_of(response)["message"] == "Note added."
    assert response.get_data(as_text=True).lstrip().startswith('<section id="activity-notes"')
    [note] = rows(org_a, Note)
    assert (note["body"], note["lead_id"], note["pinned"], note["author_id"]) == (
        "Prefers email.\nCall after 3pm.", recs.lead, False, user_id("admin@acme.example"))
    assert "Prefers email." in text_of(response) and "Admin" in text_of(response)
    assert [e["kind"] for e in events(org_a, lead_id=recs.lead)] == ["note.added"]


def test_a_note_on_a_contact_shows_on_its_company(admin_a, org_a, recs):
    _add(admin_a, "contact", recs.contact, "Met at the fair")
    [note] = rows(org_a, Note)
    assert (note["contact_id"], note["company_id"]) == (recs.contact, recs.company)
    assert "Met at the fair" in text_of(admin_a.get(url("company", recs.company, "activity")))


@pytest.mark.parametrize("body, message", [
    ("   ", "Enter the note."),
    ("x" * 10_001, "Keep the note to 10000 characters or fewer (it has 10001)."),
])
def test_an_empty_or_overlong_note_is_refused(admin_a, org_a, recs, body, message):
    response = _add(admin_a, "company", recs.company, body)
    assert response.status_code == 422
    assert message in text_of(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert count(org_a, Note) == 0 and count(org_a, ActivityEvent) == 0


def test_a_note_of_exactly_10000_characters_is_kept(admin_a, org_a, recs):
    assert _add(admin_a, "company", recs.company, "x" * 10_000).status_code == 200
    assert len(rows(org_a, Note)[0]["body"]) == 10_000


def test_edit_a_note(admin_a, org_a, recs):
    _add(admin_a, "company", recs.company, "First")
    [note_id] = _note_ids(org_a)
    response = admin_a.post(f"/acme/activity/notes/{note_id}", data={"body": "Second"}, headers=HX)
    assert response.status_code == 200 and toast_of(response)["message"] == "Note saved."
    assert rows(org_a, Note)[0]["body"] == "Second"
    response = admin_a.post(f"/acme/activity/notes/{note_id}", data={"body": ""}, headers=HX)
    assert response.status_code == 422 and "Enter the note." in text_of(response)
    assert f'id="note-{note_id}-body-error"' in response.get_data(as_text=True)
    assert rows(org_a, Note)[0]["body"] == "Second"


def test_pinned_notes_come_first_and_can_be_unpinned(admin_a, org_a, recs):
    for body in ("Oldest", "Middle", "Newest"):
        _add(admin_a, "company", recs.company, body)
    oldest = _note_ids(org_a)[0]
    response = admin_a.post(f"/acme/activity/notes/{oldest}/pin", data={"pinned": "1"}, headers=HX)
    assert toast_of(response)["message"] == "Note pinned."
    text = text_of(response)
    assert text.index("Oldest") < text.index("Newest") < text.index("Middle")
    assert "Pinned" in text and "Unpin" in text
    response = admin_a.post(f"/acme/activity/notes/{oldest}/pin", data={"pinned": "0"}, headers=HX)
    assert toast_of(response)["message"] == "Note unpinned."
    text = text_of(response)
    assert text.index("Newest") < text.index("Middle") < text.index("Oldest")
    assert [e["kind"] for e in events(org_a)][-2:] == ["note.pinned", "note.unpinned"]


def test_delete_a_note_then_undo(admin_a, org_a, recs):
    _add(admin_a, "contact", recs.contact, "Temporary")
    [note_id] = _note_ids(org_a)
    response = admin_a.post(f"/acme/activity/notes/{note_id}/delete", data={"panel": "company"}, headers=HX)
    note = toast_of(response)
    assert note["message"] == "Note deleted." and note["target"] == "#activity-notes"
    assert note["undo"] == f"/acme/activity/notes/{note_id}/restore?panel=company"
    assert "Temporary" not in text_of(response) and live(org_a, Note) == []
    response = admin_a.post(note["undo"], headers=HX)
    assert toast_of(response)["message"] == "Note restored."
    assert "Temporary" in text_of(response) and len(live(org_a, Note)) == 1


# Mentions

def _notifications(org) -> list[dict]:
    return rows(org, Notification)


def test_a_mention_notifies_the_member_once_with_a_link_to_the_record(admin_a, org_a, recs):
    response = _add(admin_a, "company", recs.company, f"@{REP} can you call them? cc @{MANAGER.upper()}")
    assert toast_of(response)["message"] == "Note added. Notified Sales Rep, Sales Manager."
    found = _notifications(org_a)
    assert sorted(n["user_id"] for n in found) == sorted([user_id(REP), user_id(MANAGER)])
    [note_id] = _note_ids(org_a)
    for n in found:
        assert n["kind"] == "mention"
        assert n["message"] == "Admin mentioned you in a note on Globex Corporation"
        assert n["link"] == f"/acme/companies/{recs.company}"
        assert n["dedupe_key"] == f"mention:note:{note_id}:user:{n['user_id']}"


def test_mentioning_twice_in_one_note_notifies_once(admin_a, org_a, recs):
    _add(admin_a, "company", recs.company, f"@{REP} and again @{REP}.")
    assert len(_notifications(org_a)) == 1


def test_saving_the_note_again_does_not_notify_again_but_a_new_mention_does(admin_a, org_a, recs):
    _add(admin_a, "lead", recs.lead, f"Ask @{REP}")
    [note_id] = _note_ids(org_a)
    response = admin_a.post(f"/acme/activity/notes/{note_id}", data={"body": f"Ask @{REP} today"}, headers=HX)
    assert toast_of(response)["message"] == "Note saved."
    assert len(_notifications(org_a)) == 1
    response = admin_a.post(f"/acme/activity/notes/{note_id}", data={"body": f"Ask @{REP} and @{MANAGER}"}, headers=HX)
    assert toast_of(response)["message"] == "Note saved. Notified Sales Manager."
    assert sorted(n["user_id"] for n in _notifications(org_a)) == sorted([user_id(REP), user_id(MANAGER)])


def test_who_is_not_notified(admin_a, org_a, org_b, recs):
    add_member(org_a, "gone@acme.example", "Sales Rep", active=False)
    body = ("@nobody@acme.example @gone@acme.example @sales.rep@bravo.example @admin@acme.example "
            f"and plain email {REP} (no @ before it)")
    response = _add(admin_a, "company", recs.company, body)
    assert response.status_code == 200
    assert _notifications(org_a) == [], "unknown, deactivated, other organization's, yourself, no @"
    message = toast_of(response)["message"]
    assert "Not notified (no active member has this email): nobody@acme.example, gone@acme.example, " \
           "sales.rep@bravo.example." in message
    assert _notifications(org_b) == []


def test_a_mention_in_another_organization_reaches_only_its_members(app, client, org_a, recs):
    make_org("other", "boss@other.example")  # boss is a member of "other" only
    client.login("admin@acme.example")
    _add(client, "company", recs.company, f"@boss@other.example @{REP}")
    assert [n["user_id"] for n in _notifications(org_a)] == [user_id(REP)]


def test_the_help_text_explains_the_mention_syntax(admin_a, recs):
    assert "type @ and their email address, for example @jane@example.com" in text_of(
        admin_a.get(url("company", recs.company, "activity")))
