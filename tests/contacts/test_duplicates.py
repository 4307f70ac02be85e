"""Duplicates: a warning before a known email or phone is written again, and merging two
contacts without losing anything."""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Contact
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import Lead
from crm.models import Note
from crm.models import Tag
from crm.models import Task
from crm.models import User
from tenants.context import org_context
from tests.contacts.support import HX
from tests.contacts.support import contact_count
from tests.contacts.support import create
from tests.contacts.support import find
from tests.contacts.support import make_company
from tests.contacts.support import make_contact
from tests.helpers import text_of


def _make_lead(org, email=None, phone=None) -> int:
    with org_context(org.id):
        lead = Lead(first_name="Lena", last_name="Lead", email=email, phone=phone)
        db.session.add(lead)
        db.session.commit()
        return lead.id


# The warning

@pytest.mark.parametrize("fields", [
    {"email": "  GRACE@Navy.Example "},
    {"phone": "(415) 555-0100"},
    {"phone": "+1 415-555-0100"},
])
def test_creating_a_contact_like_another_contact_warns_and_writes_nothing(admin_a, org_a, fields):
    existing = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example", phone="+14155550100")
    response = create(admin_a, headers=HX, **fields)
    assert response.status_code == 200
    body = text_of(response)
    assert "This may be a duplicate" in body and "Grace Hopper" in body
    html = response.get_data(as_text=True)
    assert f'href="/acme/contacts/{existing}"' in html
    assert 'name="confirm_duplicate" value="1"' in html and "Create anyway" in body
    assert 'value="Ada"' in html, "the form keeps what was typed"
    assert contact_count(org_a) == 1


@pytest.mark.parametrize("fields, matched", [
    ({"email": "Lena@Leads.example"}, "email lena@leads.example"),
    ({"phone": "+44 20 7946 0958"}, "phone +442079460958"),
])
def test_creating_a_contact_like_a_lead_warns_with_a_link_to_the_lead(admin_a, org_a, fields, matched):
    lead_id = _make_lead(org_a, email="lena@leads.example", phone="+442079460958")
    response = create(admin_a, headers=HX, **fields)
    assert response.status_code == 200
    assert "Lena Lead" in text_of(response) and matched in text_of(response)
    assert f'href="/acme/leads/{lead_id}"' in response.get_data(as_text=True)
    assert contact_count(org_a) == 0


def test_create_anyway_writes_the_contact(admin_a, org_a):
    make_contact(org_a, "Grace", "Hopper", email="grace@navy.example")
    response = create(admin_a, email="grace@navy.example", confirm_duplicate="1")
    assert response.status_code == 303
    assert find(org_a, "Lovelace").email == "grace@navy.example"


def test_duplicates_of_another_organization_are_not_mentioned(admin_a, org_a, org_b):
    make_contact(org_b, "Bravo", "Secret", email="grace@navy.example")
    _make_lead(org_b, email="grace@navy.example")
    assert create(admin_a, email="grace@navy.example").status_code == 303


def test_adding_a_known_email_or_phone_to_a_contact_warns_first(admin_a, org_a):
    make_contact(org_a, "Alan", "Turing", email="alan@bletchley.example")
    lead_id = _make_lead(org_a, phone="+442079460958")
    grace = make_contact(org_a, "Grace", "Hopper")
    warned = admin_a.post(f"/acme/contacts/{grace}/emails", headers=HX, data={"email": "Alan@Bletchley.example", "kind": "work"})
    assert warned.status_code == 200 and "Alan Turing" in text_of(warned) and "Add anyway" in text_of(warned)
    assert find(org_a, "Hopper").emails == []
    admin_a.post(f"/acme/contacts/{grace}/emails", headers=HX,
                 data={"email": "alan@bletchley.example", "kind": "work", "confirm_duplicate": "1"})
    assert find(org_a, "Hopper").email == "alan@bletchley.example"
    warned = admin_a.post(f"/acme/contacts/{grace}/phones", headers=HX, data={"number": "020 7946 0958x", "kind": "work"})
    assert warned.status_code == 422  # not a number at all
    warned = admin_a.post(f"/acme/contacts/{grace}/phones", headers=HX, data={"number": "+44 20 7946 0958", "kind": "work"})
    assert warned.status_code == 200 and f'href="/acme/leads/{lead_id}"' in warned.get_data(as_text=True)
    assert find(org_a, "Hopper").phones == []


# Merging

def _seed_pair(org_a):
    """Two records of the same person, with something of everything on each."""
    rep = db.session.scalar(sa.select(User.id).where(User.email == "sales.rep@acme.example"))
    company_id = make_company(org_a, "Navy")
    kept = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example", phone="+14155550100")
    other = make_contact(org_a, "Grace", "Hopper-Dup", email="grace@navy.example", phone="+442079460958",
                         title="Rear Admiral", company_id=company_id, owner_id=rep, preferred_contact_method="phone")
    with org_context(org_a.id):
        other_contact = db.session.get(Contact, other)
        from crm.models import ContactEmail

        db.session.add(ContactEmail(contact_id=other, email="hopper@home.example", kind="personal"))
        shared, own = Tag(name="VIP"), Tag(name="COBOL")
        db.session.add_all([shared, own])
        db.session.flush()
        db.session.add_all([ContactTag(contact_id=kept, tag_id=shared.id), ContactTag(contact_id=other, tag_id=shared.id),
                            ContactTag(contact_id=other, tag_id=own.id)])
        db.session.add_all([
            Interaction(kind="call", subject="Kept call", contact_id=kept),
            Interaction(kind="meeting", subject="Dup meeting", contact_id=other, company_id=company_id),
            Interaction(kind="email", subject="Dup email", contact_id=other),
            Note(body="Dup note", contact_id=other), Note(body="Kept note", contact_id=kept),
            Task(title="Dup task", contact_id=other),
            ActivityEvent(kind="created", summary="Dup created", contact_id=other),
        ])
        assert other_contact.title == "Rear Admiral"
        db.session.commit()
    return kept, other, company_id, rep


def test_merge_keeps_every_interaction_note_task_tag_email_and_phone(admin_a, org_a):
    kept, other, company_id, rep = _seed_pair(org_a)
    response = admin_a.post(f"/acme/contacts/{kept}/merge", data={"other_id": str(other)})
    assert response.status_code == 303 and response.location.endswith(f"/acme/contacts/{kept}")
    assert "Merged Grace Hopper-Dup into Grace Hopper" in text_of(admin_a.get(response.location))

    contact = find(org_a, "Hopper")
    assert sorted(e.email for e in contact.emails) == ["grace@navy.example", "hopper@home.example"]
    assert sorted(p.number for p in contact.phones) == ["+14155550100", "+442079460958"]
    assert sum(e.is_primary for e in contact.emails) == 1 and sum(p.is_primary for p in contact.phones) == 1
    assert contact.email == "grace@navy.example" and contact.phone == "+14155550100"
    assert (contact.title, contact.company_id, contact.owner_id, contact.preferred_contact_method) == \
        ("Rear Admiral", company_id, rep, "phone")

    with org_context(org_a.id):
        def on(model, contact_id):
            return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.contact_id == contact_id))

        assert (on(Interaction, kept), on(Note, kept), on(Task, kept), on(ContactTag, kept)) == (3, 2, 1, 2)
        assert (on(Interaction, other), on(Note, other), on(Task, other), on(ContactTag, other)) == (0, 0, 0, 0)
        assert on(ActivityEvent, other) == 0
        tags = db.session.scalars(sa.select(Tag.name).join(ContactTag, ContactTag.tag_id == Tag.id)
                                  .where(ContactTag.contact_id == kept).order_by(Tag.name)).all()
        assert tags == ["COBOL", "VIP"]
        merged = db.session.scalars(sa.select(ActivityEvent).where(ActivityEvent.kind == "merged")).all()
        assert len(merged) == 1 and merged[0].contact_id == kept and "Hopper-Dup" in merged[0].summary
        assert "Dup created" in db.session.scalars(sa.select(ActivityEvent.summary).where(ActivityEvent.contact_id == kept)).all()

    gone = find(org_a, "Hopper-Dup")
    assert gone.merged_into_id == kept and gone.deleted_at is not None
    redirect = admin_a.get(f"/acme/contacts/{other}")
    assert redirect.status_code == 303 and redirect.location.endswith(f"/acme/contacts/{kept}")
    assert admin_a.post(f"/acme/contacts/{other}/restore").status_code == 410
    page = text_of(admin_a.get(f"/acme/contacts/{kept}"))
    assert "Dup meeting" in page and "Dup note" in page and "Dup task" in page


def test_merge_fills_only_empty_fields_and_keeps_the_kept_primary(admin_a, org_a):
    kept = make_contact(org_a, "Grace", "Hopper", email="kept@navy.example", title="Admiral")
    other = make_contact(org_a, "", "Hopper-Dup", email="other@navy.example", phone="+14155550100", title="Captain")
    admin_a.post(f"/acme/contacts/{kept}/merge", data={"other_id": str(other)})
    contact = find(org_a, "Hopper")
    assert contact.title == "Admiral" and contact.first_name == "Grace"
    assert contact.email == "kept@navy.example" and contact.phone == "+14155550100"
    assert [e.email for e in contact.emails if e.is_primary] == ["kept@navy.example"]


def test_merging_a_contact_into_itself_is_refused(admin_a, org_a):
    kept = make_contact(org_a, "Grace", "Hopper")
    response = admin_a.post(f"/acme/contacts/{kept}/merge", headers=HX, data={"other_id": str(kept)})
    assert response.status_code == 422 and "cannot be merged into itself" in text_of(response)
    assert find(org_a, "Hopper").deleted_at is None
    form = admin_a.get(f"/acme/contacts/{kept}/merge?other_id={kept}")
    assert form.status_code == 303


@pytest.mark.parametrize("other_id", ["", "abc", "999999", "9" * 40])
def test_merging_with_no_such_contact_is_404(admin_a, org_a, other_id):
    kept = make_contact(org_a, "Grace", "Hopper")
    assert admin_a.post(f"/acme/contacts/{kept}/merge", data={"other_id": other_id}).status_code == 404


def test_merging_with_a_contact_of_another_organization_is_404(admin_a, org_a, org_b):
    kept = make_contact(org_a, "Grace", "Hopper")
    theirs = make_contact(org_b, "Bravo", "Secret", email="s@bravo.example")
    assert admin_a.post(f"/acme/contacts/{kept}/merge", data={"other_id": str(theirs)}).status_code == 404
    assert admin_a.get(f"/acme/contacts/{kept}/merge?other_id={theirs}").status_code == 404
    with org_context(org_b.id):
        contact = db.session.get(Contact, theirs)
        assert contact.deleted_at is None and contact.merged_into_id is None


def test_the_merge_page_suggests_likely_duplicates_and_compares_before_merging(admin_a, org_a):
    kept = make_contact(org_a, "Grace", "Hopper", email="grace@navy.example")
    same_email = make_contact(org_a, "G.", "Hopper-Mail", email="grace@navy.example")
    same_name = make_contact(org_a, "Grace", "Hopper")
    make_contact(org_a, "Alan", "Turing")
    page = admin_a.get(f"/acme/contacts/{kept}/merge")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"other_id={same_email}" in html and f"other_id={same_name}" in html and "Turing" not in html
    search = admin_a.get(f"/acme/contacts/{kept}/merge?q=turing").get_data(as_text=True)
    assert "Alan Turing" in search
    compare = admin_a.get(f"/acme/contacts/{kept}/merge?other_id={same_email}")
    body = text_of(compare)
    assert "Merge G. Hopper-Mail into Grace Hopper" in body and "Keep G. Hopper-Mail instead" in body
    assert contact_count(org_a) == 4 and find(org_a, "Hopper-Mail").deleted_at is None


def test_a_contact_merged_twice_still_leads_to_the_one_kept(admin_a, org_a):
    first = make_contact(org_a, "Grace", "Hopper")
    second = make_contact(org_a, "Grace", "Hopper-Two")
    third = make_contact(org_a, "Grace", "Hopper-Three")
    admin_a.post(f"/acme/contacts/{second}/merge", data={"other_id": str(third)})
    admin_a.post(f"/acme/contacts/{first}/merge", data={"other_id": str(second)})
    response = admin_a.get(f"/acme/contacts/{third}")
    assert response.status_code == 303 and response.location.endswith(f"/acme/contacts/{first}")
