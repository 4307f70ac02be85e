"""Duplicates: a warning with links before anything is written; merging two leads keeps everything."""

import re

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadTag
from crm.models import Note
from crm.models import Tag
from crm.models import Task
from tenants.context import org_context
from tests.helpers import text_of
from tests.leads.support import HX
from tests.leads.support import create
from tests.leads.support import lead_count
from tests.leads.support import lead_named


def _contact(org, **fields) -> int:
    emails = fields.pop("emails", [])
    phones = fields.pop("phones", [])
    with org_context(org.id):
        contact = Contact(first_name="Charles", last_name="Babbage", **fields)
        db.session.add(contact)
        db.session.flush()
        db.session.add_all([ContactEmail(contact_id=contact.id, email=e, kind="work") for e in emails])
        db.session.add_all([ContactPhone(contact_id=contact.id, number=p, kind="work") for p in phones])
        db.session.commit()
        return contact.id


@pytest.mark.parametrize("existing, new", [
    ({"email": "ada@example.com"}, {"email": "  ADA@Example.com "}),
    ({"phone": "+1 415 555 0100"}, {"phone": "(415) 555-0100"}),
])
def test_a_lead_with_the_email_or_phone_of_another_lead_is_a_warning_until_confirmed(admin_a, org_a, existing, new):
    first = create(admin_a, last_name="First", **existing)
    assert first.status_code == 303
    first_id = lead_named(org_a, "First").id
    response = create(admin_a, last_name="Second", **new)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This may be a duplicate" in text_of(response) and "Nothing has been saved" in text_of(response)
    assert f'href="/acme/leads/{first_id}"' in html
    assert 'name="confirm_duplicate" value="1"' in html and "Create anyway" in html
    assert 'value="Second"' in html, "the form keeps what was typed"
    assert lead_count(org_a) == 1
    confirmed = create(admin_a, last_name="Second", confirm_duplicate="1", **new)
    assert confirmed.status_code == 303 and lead_count(org_a) == 2


def test_the_warning_comes_back_as_the_form_fragment_for_htmx(admin_a, org_a):
    create(admin_a, last_name="First", email="ada@example.com")
    response = admin_a.post("/acme/leads/", headers=HX, data={"last_name": "Second", "email": "ada@example.com"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "<html" not in html and 'id="new-lead"' in html


@pytest.mark.parametrize("contact, new", [
    ({"email": "charles@example.com"}, {"email": "Charles@Example.com"}),
    ({"phone": "+14155550123"}, {"phone": "415-555-0123"}),
    ({"emails": ["babbage@engine.example"]}, {"email": "babbage@engine.example"}),
    ({"emails": ["  Mixed@Case.Example "]}, {"email": "mixed@case.example"}),
    ({"phones": ["+442079460958"]}, {"phone": "+44 20 7946 0958"}),
])
def test_a_lead_matching_a_contact_is_a_warning_too(admin_a, org_a, contact, new):
    contact_id = _contact(org_a, **contact)
    response = create(admin_a, last_name="Newcomer", **new)
    assert response.status_code == 409
    assert "Contact" in text_of(response) and "Charles Babbage" in text_of(response)
    assert f"/acme/contacts/{contact_id}" in response.get_data(as_text=True) or "#" in response.get_data(as_text=True)
    assert lead_count(org_a) == 0


def test_deleted_records_and_other_organizations_are_not_duplicates(admin_a, org_a, org_b):
    create(admin_a, last_name="Gone", email="gone@example.com")
    admin_a.post(f"/acme/leads/{lead_named(org_a, 'Gone').id}/delete")
    with org_context(org_b.id):
        db.session.add(Lead(last_name="Theirs", email="theirs@example.com", status="new"))
        db.session.commit()
    _contact(org_b, email="contact@example.com")
    for email in ("gone@example.com", "theirs@example.com", "contact@example.com"):
        response = create(admin_a, last_name=email.split("@")[0].title() + "2", email=email)
        assert response.status_code == 303, email
        assert "Theirs" not in text_of(response)


def test_editing_into_a_duplicate_warns_but_editing_other_fields_does_not(admin_a, org_a):
    create(admin_a, last_name="First", email="ada@example.com")
    create(admin_a, last_name="Second", email="ada@example.com", confirm_duplicate="1")
    create(admin_a, last_name="Third", email="third@example.com")
    second = lead_named(org_a, "Second")
    untouched = admin_a.post(f"/acme/leads/{second.id}", headers=HX,
                             data={"last_name": "Second", "email": "ada@example.com", "title": "CTO", "status": "new"})
    assert untouched.status_code == 200, "the lead's own, unchanged email does not warn again"
    third = lead_named(org_a, "Third")
    warned = admin_a.post(f"/acme/leads/{third.id}", headers=HX,
                          data={"last_name": "Third", "email": "ADA@example.com", "status": "new"})
    assert warned.status_code == 409 and "Save anyway" in warned.get_data(as_text=True)
    assert "Merge with this lead" in text_of(warned)
    assert lead_named(org_a, "Third").email == "third@example.com"
    saved = admin_a.post(f"/acme/leads/{third.id}", headers=HX,
                         data={"last_name": "Third", "email": "ada@example.com", "status": "new", "confirm_duplicate": "1"})
    assert saved.status_code == 200 and lead_named(org_a, "Third").email == "ada@example.com"


# Merging

def _lead_with_history(org, last_name, **fields):
    """A lead with an interaction, a note, a task, tags and a timeline event."""
    with org_context(org.id):
        lead = Lead(first_name=fields.pop("first_name", ""), last_name=last_name, status="new", **fields)
        db.session.add(lead)
        db.session.flush()
        tags = {t.name: t for t in db.session.scalars(sa.select(Tag))}
        for name in ("shared", f"only-{last_name.lower()}"):
            if name not in tags:
                tags[name] = Tag(name=name)
                db.session.add(tags[name])
                db.session.flush()
            db.session.add(LeadTag(lead_id=lead.id, tag_id=tags[name].id))
        db.session.add_all([
            Interaction(kind="call", subject=f"Call with {last_name}", lead_id=lead.id),
            Note(body=f"Note on {last_name}", lead_id=lead.id),
            Task(title=f"Follow up {last_name}", lead_id=lead.id),
            ActivityEvent(kind="created", summary=f"{last_name} created", lead_id=lead.id),
        ])
        db.session.commit()
        return lead.id


def test_merge_keeps_every_interaction_note_task_tag_and_event(admin_a, org_a):
    keep_id = _lead_with_history(org_a, "Keeper", email="keep@example.com")
    other_id = _lead_with_history(org_a, "Other", first_name="Otto", phone="+14155550100", title="CFO",
                                  email="other@example.com", company_name="Other Corp")
    with org_context(org_a.id):
        # A lead merged earlier into the one that goes now follows it to the one that stays.
        older = Lead(last_name="Older", status="new", merged_into_id=other_id, deleted_at=sa.func.now())
        db.session.add(older)
        db.session.commit()
        older_id = older.id
    preview = admin_a.get(f"/acme/leads/{keep_id}/merge?other_id={other_id}")
    assert preview.status_code == 200 and "Merge the two leads" in preview.get_data(as_text=True)
    assert "would take “CFO”" in text_of(preview)
    response = admin_a.post(f"/acme/leads/{keep_id}/merge", data={"other_id": str(other_id), "keep": "this"})
    assert response.status_code == 303 and response.location.endswith(f"/acme/leads/{keep_id}")
    with org_context(org_a.id):
        kept, gone = db.session.get(Lead, keep_id), db.session.get(Lead, other_id)
        assert (gone.merged_into_id, gone.deleted_at is not None) == (keep_id, True)
        assert (kept.first_name, kept.phone, kept.title, kept.company_name) == ("Otto", "+14155550100", "CFO", "Other Corp")
        assert kept.email == "keep@example.com", "the kept lead's own fields win"
        for model, column in ((Interaction, Interaction.subject), (Note, Note.body), (Task, Task.title)):
            values = db.session.scalars(sa.select(column).where(model.lead_id == keep_id)).all()
            assert len(values) == 2 and any("Other" in v for v in values), model
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.lead_id == other_id)) == 0
        tag_names = db.session.scalars(sa.select(Tag.name).join(LeadTag, LeadTag.tag_id == Tag.id)
                                       .where(LeadTag.lead_id == keep_id).order_by(Tag.name)).all()
        assert tag_names == ["only-keeper", "only-other", "shared"], "tags moved, the shared one once"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadTag).where(LeadTag.lead_id == other_id)) == 0
        kinds = db.session.scalars(sa.select(ActivityEvent.summary).where(ActivityEvent.lead_id == keep_id)).all()
        assert "Other created" in kinds and any(k.startswith("Merged lead Otto Other") for k in kinds)
        assert db.session.get(Lead, older_id).merged_into_id == keep_id
    # The retired lead's page sends you to the one that stays.
    followed = admin_a.get(f"/acme/leads/{other_id}")
    assert followed.status_code == 303 and followed.location.endswith(f"/acme/leads/{keep_id}")
    assert admin_a.post(f"/acme/leads/{other_id}/restore").status_code == 410


def test_merge_can_keep_the_other_lead(admin_a, org_a):
    first = _lead_with_history(org_a, "First")
    second = _lead_with_history(org_a, "Second", email="second@example.com")
    response = admin_a.post(f"/acme/leads/{first}/merge", headers=HX, data={"other_id": str(second), "keep": "other"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"/acme/leads/{second}")
    with org_context(org_a.id):
        assert db.session.get(Lead, first).merged_into_id == second
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Note).where(Note.lead_id == second)) == 2


def test_merging_a_lead_with_itself_is_refused(admin_a, org_a):
    lead_id = _lead_with_history(org_a, "Alone")
    response = admin_a.post(f"/acme/leads/{lead_id}/merge", data={"other_id": str(lead_id)})
    assert response.status_code == 422 and "cannot be merged with itself" in text_of(response)
    page = admin_a.get(f"/acme/leads/{lead_id}/merge?other_id={lead_id}")
    assert page.status_code == 200 and "cannot be merged with itself" in text_of(page)
    with org_context(org_a.id):
        lead = db.session.get(Lead, lead_id)
        assert lead.deleted_at is None and lead.merged_into_id is None


def test_merging_with_a_lead_of_another_organization_is_404_and_changes_nothing(admin_a, org_a, org_b):
    mine = _lead_with_history(org_a, "Mine")
    theirs = _lead_with_history(org_b, "Theirs")
    assert admin_a.post(f"/acme/leads/{mine}/merge", data={"other_id": str(theirs)}).status_code == 404
    assert admin_a.post(f"/acme/leads/{mine}/merge", data={"other_id": str(theirs), "keep": "other"}).status_code == 404
    assert admin_a.get(f"/acme/leads/{mine}/merge?other_id={theirs}").status_code == 404
    with org_context(org_b.id):
        lead = db.session.get(Lead, theirs)
        assert lead.deleted_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Note).where(Note.lead_id == theirs)) == 1


@pytest.mark.parametrize("other", ["", "abc", "9" * 30, "-1"])
def test_merge_with_a_bad_other_id_says_so(admin_a, org_a, other):
    lead_id = _lead_with_history(org_a, "Alone")
    response = admin_a.post(f"/acme/leads/{lead_id}/merge", data={"other_id": other})
    assert response.status_code == 422 and "Pick the other lead" in text_of(response)
    assert admin_a.get(f"/acme/leads/{lead_id}/merge?other_id={other}").status_code == 200


def test_a_deleted_or_converted_lead_is_not_merged_away(admin_a, org_a):
    keep = _lead_with_history(org_a, "Keep")
    deleted = _lead_with_history(org_a, "Deleted")
    converted = _lead_with_history(org_a, "Converted")
    with org_context(org_a.id):
        db.session.get(Lead, deleted).deleted_at = sa.func.now()
        db.session.get(Lead, converted).status = "converted"
        db.session.commit()
    refused = admin_a.post(f"/acme/leads/{keep}/merge", data={"other_id": str(deleted)})
    assert refused.status_code == 422 and "has been deleted" in text_of(refused)
    refused = admin_a.post(f"/acme/leads/{keep}/merge", data={"other_id": str(converted)})
    assert refused.status_code == 422 and "has been converted" in text_of(refused)
    kept_converted = admin_a.post(f"/acme/leads/{keep}/merge", data={"other_id": str(converted), "keep": "other"})
    assert kept_converted.status_code == 303


def test_merge_page_finds_the_other_lead_by_search_id_and_suggestion(admin_a, org_a):
    create(admin_a, last_name="Lovelace", email="ada@example.com")
    create(admin_a, first_name="Augusta", last_name="King", email="ada@example.com", confirm_duplicate="1")
    create(admin_a, first_name="Someone", last_name="Else")
    ada, king, other = (lead_named(org_a, n).id for n in ("Lovelace", "King", "Else"))
    page = admin_a.get(f"/acme/leads/{ada}/merge")
    assert "Possible duplicates" in text_of(page) and f"other_id={king}" in page.get_data(as_text=True)
    found = admin_a.get(f"/acme/leads/{ada}/merge?q=someone")
    assert f"other_id={other}" in found.get_data(as_text=True)
    by_id = admin_a.get(f"/acme/leads/{ada}/merge?q=%23{other}")
    assert f"other_id={other}" in by_id.get_data(as_text=True)
    none = admin_a.get(f"/acme/leads/{ada}/merge?q=" + "z" * 500)
    assert none.status_code == 200 and "No other lead matches" in text_of(none)


def test_record_page_shows_merge_and_delete_only_to_roles_that_may(admin_a, rep_client, org_a):
    create(admin_a)
    lead_id = lead_named(org_a, "Lovelace").id
    admin_page = admin_a.get(f"/acme/leads/{lead_id}").get_data(as_text=True)
    assert f"/acme/leads/{lead_id}/merge" in admin_page and "Delete lead" in admin_page
    rep_page = rep_client.get(f"/acme/leads/{lead_id}").get_data(as_text=True)
    assert f"/acme/leads/{lead_id}/merge" not in rep_page and "Delete lead" not in rep_page
    assert re.search(r'hx-get="/acme/leads/\d+/edit"', rep_page)
