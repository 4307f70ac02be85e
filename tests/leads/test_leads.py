"""Leads: create, edit, delete and undo, validation, roles, the list's bad input, bulk actions, export."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Lead
from crm.models import LeadScore
from crm.models import LeadTag
from crm.models import Role
from crm.models import Tag
from tenants.context import org_context
from tests.helpers import add_member
from tests.helpers import text_of
from tests.leads.support import HX
from tests.leads.support import RESULTS
from tests.leads.support import create
from tests.leads.support import events
from tests.leads.support import lead_count
from tests.leads.support import lead_named
from tests.leads.support import user_id


def test_create_normalises_email_and_phone_and_opens_the_lead(admin_a, org_a):
    response = create(admin_a, email="  Ada@Example.COM ", phone="(415) 555-0100", company_name="Analytical Engines",
                      source="referral", status="working")
    assert response.status_code == 303
    lead = lead_named(org_a, "Lovelace")
    assert response.location.endswith(f"/acme/leads/{lead.id}")
    assert (lead.email, lead.phone, lead.status, lead.source) == ("ada@example.com", "+14155550100", "working", "referral")
    assert events(org_a, lead.id) == ["created"]
    page = admin_a.get(response.location)
    assert page.status_code == 200
    assert "Analytical Engines" in text_of(page) and "+14155550100" in text_of(page)


def test_create_from_htmx_redirects_with_hx_redirect(admin_a, org_a):
    response = admin_a.post("/acme/leads/", headers=HX, data={"last_name": "Hopper", "status": "new"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/acme/leads/{lead_named(org_a, 'Hopper').id}")


def test_new_lead_form_renders(admin_a, org_a):
    response = admin_a.get("/acme/leads/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="first_name"' in html and 'name="owner_id"' in html
    assert 'value="converted"' not in html, "converted is not offered by hand"


@pytest.mark.parametrize("fields, field, message", [
    ({"first_name": "", "last_name": "", "email": ""}, "last_name", "Enter a name or an email address"),
    ({"first_name": "x" * 101}, "first_name", "100 characters or fewer"),
    ({"last_name": "x" * 101}, "last_name", "100 characters or fewer"),
    ({"company_name": "x" * 201}, "company_name", "200 characters or fewer"),
    ({"title": "x" * 121}, "title", "120 characters or fewer"),
    ({"email": "not-an-email"}, "email", "is not a valid email address"),
    ({"email": "a" * 250 + "@example.com"}, "email", "too long"),
    ({"phone": "12"}, "phone", "is not a valid phone number"),
    ({"phone": "call me maybe"}, "phone", "is not a valid phone number"),
    ({"phone": "1" * 41}, "phone", "too long"),
    ({"status": "hot"}, "status", "Choose the status from the list"),
    ({"status": "converted"}, "status", "only by converting it"),
    ({"source": "carrier pigeon"}, "source", "Choose the source from the list"),
    ({"owner_id": "999999"}, "owner_id", "not an active member"),
    ({"owner_id": "abc"}, "owner_id", "Pick an owner"),
])
def test_invalid_lead_is_refused_with_a_message_and_nothing_written(admin_a, org_a, fields, field, message):
    response = create(admin_a, **fields)
    assert response.status_code == 422
    assert message in text_of(response)
    assert f'id="e-{field}"' in response.get_data(as_text=True) or field in ("status", "source", "owner_id")
    assert lead_count(org_a) == 0


def test_invalid_lead_from_htmx_returns_the_form_fragment(admin_a, org_a):
    response = admin_a.post("/acme/leads/", headers=HX, data={"last_name": "Hopper", "email": "nope"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert 'id="new-lead"' in html and 'value="Hopper"' in html
    assert lead_count(org_a) == 0


def test_a_member_of_another_organization_cannot_own_a_lead(admin_a, org_a, org_b):
    response = create(admin_a, owner_id=str(user_id("sales.rep@bravo.example")))
    assert response.status_code == 422 and "not an active member" in text_of(response)
    assert lead_count(org_a) == 0


def test_inline_edit_saves_and_shows_the_details_again(admin_a, org_a):
    create(admin_a, email="ada@example.com")
    lead = lead_named(org_a, "Lovelace")
    form = admin_a.get(f"/acme/leads/{lead.id}/edit", headers=HX)
    assert form.status_code == 200 and 'name="email"' in form.get_data(as_text=True)
    assert "<html" not in form.get_data(as_text=True)
    rep = user_id("sales.rep@acme.example")
    response = admin_a.post(f"/acme/leads/{lead.id}", headers=HX, data={
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "title": "Countess",
        "status": "working", "owner_id": str(rep), "phone": "+44 20 7946 0958"})
    assert response.status_code == 200, text_of(response)
    assert "<html" not in response.get_data(as_text=True) and "Countess" in text_of(response)
    assert "Lead saved" in response.headers["HX-Trigger"]
    lead = lead_named(org_a, "Lovelace")
    assert (lead.title, lead.status, lead.owner_id, lead.phone) == ("Countess", "working", rep, "+442079460958")
    assert events(org_a, lead.id)[-1] == "updated"


def test_edit_without_javascript_is_a_page_and_redirects_after_saving(admin_a, org_a):
    create(admin_a)
    lead = lead_named(org_a, "Lovelace")
    page = admin_a.get(f"/acme/leads/{lead.id}/edit")
    assert "<html" in page.get_data(as_text=True)
    saved = admin_a.post(f"/acme/leads/{lead.id}", data={"last_name": "Byron", "status": "working"})
    assert saved.status_code == 303 and saved.location.endswith(f"/acme/leads/{lead.id}")


def test_inline_edit_with_bad_input_returns_the_form_with_422_and_changes_nothing(admin_a, org_a):
    create(admin_a, title="Countess")
    lead = lead_named(org_a, "Lovelace")
    response = admin_a.post(f"/acme/leads/{lead.id}", headers=HX,
                            data={"last_name": "Lovelace", "title": "x" * 500, "status": "new"})
    assert response.status_code == 422 and "120 characters or fewer" in text_of(response)
    assert 'name="title"' in response.get_data(as_text=True)
    assert lead_named(org_a, "Lovelace").title == "Countess"


def test_converted_is_kept_but_cannot_be_left_by_hand(admin_a, org_a):
    create(admin_a)
    lead = lead_named(org_a, "Lovelace")
    with org_context(org_a.id):
        db.session.get(Lead, lead.id).status = "converted"
        db.session.commit()
    kept = admin_a.post(f"/acme/leads/{lead.id}", headers=HX,
                        data={"last_name": "Lovelace", "status": "converted", "title": "Countess"})
    assert kept.status_code == 200
    changed = admin_a.post(f"/acme/leads/{lead.id}", headers=HX, data={"last_name": "Lovelace", "status": "new"})
    assert changed.status_code == 422 and "has been converted" in text_of(changed)
    assert lead_named(org_a, "Lovelace").status == "converted"


def test_delete_hides_the_lead_and_undo_brings_it_back(admin_a, org_a):
    create(admin_a)
    lead = lead_named(org_a, "Lovelace")
    response = admin_a.post(f"/acme/leads/{lead.id}/delete", headers=HX)
    assert response.status_code == 200
    undo = re.search(r'"undo": "([^"]+)"', response.headers["HX-Trigger"]).group(1)
    assert undo.endswith(f"/acme/leads/{lead.id}/restore")
    assert "Lovelace" not in text_of(admin_a.get("/acme/leads/", headers=RESULTS))
    assert admin_a.get(f"/acme/leads/{lead.id}").status_code == 404
    assert admin_a.get(f"/acme/leads/{lead.id}/details").status_code == 404
    restored = admin_a.post(undo, headers=HX)
    assert restored.status_code == 200 and "Restored" in restored.headers["HX-Trigger"]
    assert "Lovelace" in text_of(admin_a.get("/acme/leads/", headers=RESULTS))
    assert events(org_a, lead.id)[-2:] == ["deleted", "restored"]


def test_delete_without_javascript_redirects_with_an_undo_flash(admin_a, org_a):
    create(admin_a)
    lead = lead_named(org_a, "Lovelace")
    response = admin_a.post(f"/acme/leads/{lead.id}/delete")
    assert response.status_code == 303
    with admin_a.session_transaction() as session:
        flashes = session.get("_flashes", [])
    assert (f"undo:/acme/leads/{lead.id}/restore", "Deleted Ada Lovelace.") in flashes


def test_undo_is_refused_long_after_the_delete(admin_a, org_a):
    create(admin_a)
    lead = lead_named(org_a, "Lovelace")
    admin_a.post(f"/acme/leads/{lead.id}/delete")
    clock.travel(timedelta(hours=1))
    response = admin_a.post(f"/acme/leads/{lead.id}/restore")
    assert response.status_code == 410 and "too long ago" in text_of(response)


# Roles

def _support_agent(client, org):
    add_member(org, "support@acme.example", "Support Agent")
    client.login("support@acme.example")
    return client


def test_support_agent_has_no_leads_view_and_gets_403_everywhere(client, admin_a, org_a):
    create(admin_a)
    lead_id = lead_named(org_a, "Lovelace").id
    agent = _support_agent(admin_a.application.test_client(), org_a)
    for url in ("/acme/leads/", "/acme/leads/export.csv", f"/acme/leads/{lead_id}", f"/acme/leads/{lead_id}/details",
                "/acme/leads/new", f"/acme/leads/{lead_id}/merge"):
        assert agent.get(url).status_code == 403, url
    assert agent.post("/acme/leads/", data={"last_name": "Sneaky"}).status_code == 403
    assert agent.post(f"/acme/leads/{lead_id}/delete").status_code == 403
    assert lead_count(org_a, include_deleted=False) == 1


def test_sales_rep_can_create_and_edit_but_not_delete_or_assign(admin_a, rep_client, org_a):
    created = rep_client.post("/acme/leads/", data={"last_name": "Turing", "status": "new"})
    assert created.status_code == 303
    lead = lead_named(org_a, "Turing")
    rep = user_id("sales.rep@acme.example")
    assert lead.owner_id == rep, "a member who cannot assign owns the leads they create"
    form = rep_client.get(f"/acme/leads/{lead.id}/edit", headers=HX).get_data(as_text=True)
    assert 'name="owner_id"' not in form
    edited = rep_client.post(f"/acme/leads/{lead.id}", headers=HX, data={"last_name": "Turing", "status": "working"})
    assert edited.status_code == 200 and lead_named(org_a, "Turing").status == "working"
    manager = user_id("sales.manager@acme.example")
    reassigned = rep_client.post(f"/acme/leads/{lead.id}", headers=HX,
                                 data={"last_name": "Turing", "status": "working", "owner_id": str(manager)})
    assert reassigned.status_code == 422 and "does not allow assigning" in text_of(reassigned)
    assert rep_client.post(f"/acme/leads/{lead.id}/delete").status_code == 403
    assert rep_client.post("/acme/leads/bulk", data={"action": "delete", "ids": [str(lead.id)]}).status_code == 403
    assert rep_client.post("/acme/leads/bulk", data={"action": "assign", "owner_id": str(manager),
                                                     "ids": [str(lead.id)]}).status_code == 403
    assert rep_client.get(f"/acme/leads/{lead.id}/merge").status_code == 403
    lead = lead_named(org_a, "Turing")
    assert lead.deleted_at is None and lead.owner_id == rep
    results = rep_client.get("/acme/leads/", headers=RESULTS).get_data(as_text=True)
    assert 'value="assign"' not in results and 'value="delete"' not in results and "Turing" in results


def test_a_role_granted_leads_view_only_cannot_create(client, org_a):
    add_member(org_a, "viewer@acme.example", "Support Agent")
    with org_context(org_a.id):
        role = db.session.scalar(sa.select(Role).where(Role.name == "Support Agent"))
        role.permissions = [*role.permissions, "leads.view"]
        db.session.commit()
    client.login("viewer@acme.example")
    assert client.get("/acme/leads/").status_code == 200
    assert client.post("/acme/leads/", data={"last_name": "Nope"}).status_code == 403
    assert 'href="/acme/leads/new"' not in client.get("/acme/leads/").get_data(as_text=True)


# The list

def _many(client, count, **fields):
    for i in range(count):
        create(client, first_name=f"Person{i:03d}", last_name=f"Lead {i:03d}",
               status="working" if i % 3 == 0 else "new", source="event" if i % 2 else "website", **fields)


def test_search_filter_sort_and_pages_follow_the_url(admin_a, org_a):
    _many(admin_a, 60)
    response = admin_a.get("/acme/leads/?status=working&sort=-name&per_page=25", headers=RESULTS)
    body = text_of(response)
    assert "20 leads" in body and "<html" not in response.get_data(as_text=True)
    assert re.findall(r"Lead (\d{3})", body)[:3] == ["057", "054", "051"]
    assert "HX-Request" in response.headers["Vary"]
    full = admin_a.get("/acme/leads/?q=person00")
    assert "<html" in full.get_data(as_text=True) and "10 leads" in text_of(full)
    assert 'value="person00"' in full.get_data(as_text=True)
    assert "30 leads" in text_of(admin_a.get("/acme/leads/?source=event", headers=RESULTS))


def _found(client, q) -> list[str]:
    html = client.get("/acme/leads/?q=" + q, headers=RESULTS).get_data(as_text=True)
    return sorted(re.findall(r'<a href="/acme/leads/\d+">([^<]+)</a>', html))


def test_search_is_a_case_insensitive_prefix_of_name_email_company_or_phone(admin_a, org_a):
    create(admin_a, first_name="Grace", last_name="Hopper", email="grace@navy.example", company_name="Bletchley Park")
    create(admin_a, first_name="Alan", last_name="Turing", phone="+1 415 555 0199", company_name="Park Lane Labs")
    create(admin_a, first_name="Ada", last_name="Lovelace", email="countess@analytical.example")
    assert _found(admin_a, "HOP") == ["Grace Hopper"]
    assert _found(admin_a, "grace@nav") == ["Grace Hopper"]
    assert _found(admin_a, "bletch") == ["Grace Hopper"]
    assert _found(admin_a, "park") == ["Alan Turing"], "the start of a field, not any word in it"
    assert _found(admin_a, "ada love") == ["Ada Lovelace"], "every word must match"
    assert _found(admin_a, "ada turing") == []
    assert _found(admin_a, "count") == ["Ada Lovelace"]
    assert _found(admin_a, "velace") == [], "a prefix, not a substring"
    assert _found(admin_a, "4155550") == ["Alan Turing"], "the national number finds the E.164 one"
    assert _found(admin_a, "%2B1415") == ["Alan Turing"]
    assert _found(admin_a, "100%25") == [] and _found(admin_a, "_") == [] and _found(admin_a, "%25") == []


def test_owner_filter_including_nobody(admin_a, org_a):
    rep = user_id("sales.rep@acme.example")
    create(admin_a, last_name="Owned", owner_id=str(rep))
    create(admin_a, last_name="Orphan", owner_id="")
    owned = text_of(admin_a.get(f"/acme/leads/?owner={rep}", headers=RESULTS))
    assert "Owned" in owned and "Orphan" not in owned
    nobody = text_of(admin_a.get("/acme/leads/?owner=none", headers=RESULTS))
    assert "Orphan" in nobody and "Owned" not in nobody


def test_keyset_pages_walk_the_whole_list_without_gaps_or_repeats(admin_a, org_a):
    _many(admin_a, 60)
    seen, url = [], "/acme/leads/?per_page=25&sort=name"
    for _ in range(5):
        html = admin_a.get(url, headers=RESULTS).get_data(as_text=True)
        seen += re.findall(r">Person\d{3} Lead (\d{3})<", html)
        match = re.search(r'href="([^"]*after=[^"]*)"', html)
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
    assert seen == [f"{i:03d}" for i in range(60)]
    back = re.search(r'href="([^"]*before=[^"]*)"', admin_a.get(url, headers=RESULTS).get_data(as_text=True))
    previous = re.findall(r">Person\d{3} Lead (\d{3})<",
                          admin_a.get(back.group(1).replace("&amp;", "&"), headers=RESULTS).get_data(as_text=True))
    assert previous == [f"{i:03d}" for i in range(25, 50)]


def test_score_sort_pages_through_scored_and_unscored_leads(admin_a, org_a):
    _many(admin_a, 30)
    with org_context(org_a.id):
        for lead in db.session.scalars(sa.select(Lead)):
            number = int(lead.last_name[-3:])
            if number % 2:
                if lead.scoring is not None:
                    db.session.delete(lead.scoring)
            else:
                lead.scoring = lead.scoring or LeadScore(fit=0, engagement=0, activity=0, grade="D")
                lead.scoring.total = number * 3
        db.session.commit()
    seen, url = [], "/acme/leads/?per_page=25&sort=-score"
    for _ in range(3):
        html = admin_a.get(url, headers=RESULTS).get_data(as_text=True)
        seen += re.findall(r">Person\d{3} Lead (\d{3})<", html)
        match = re.search(r'href="([^"]*after=[^"]*)"', html)
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
    assert len(seen) == 30 and len(set(seen)) == 30
    assert seen[:15] == [f"{i:03d}" for i in range(28, -1, -2)], "scored leads first, highest score first"


@pytest.mark.parametrize("query, notice", [
    ("sort=nonexistent", "Cannot sort by"),
    ("sort=-password_hash", "Cannot sort by"),
    ("status=on_fire", "Ignored the status filter"),
    ("status=converted", ""),
    ("source=telepathy", "Ignored the source filter"),
    ("owner=abc", "Ignored the owner filter"),
    ("owner=99999999", "Ignored the owner filter"),
    ("tag=99999999", "Ignored the tag filter"),
    ("tag=" + "9" * 400, "Ignored the tag filter"),
    ("after=not-a-cursor", "out of date"),
    ("after=WyJ4IiwgInkiXQ", "out of date"),
    ("before=%00%01", "out of date"),
    ("sort=score&after=WyJ4IiwgMV0", "out of date"),
    ("per_page=1000000", ""),
    ("per_page=-1", ""),
    ("q=" + "x" * 10_000, ""),
    ("q=%25%5F%5C", ""),
])
def test_bad_list_input_falls_back_with_a_notice_never_a_500(admin_a, org_a, query, notice):
    _many(admin_a, 3)
    for headers in ({}, RESULTS):
        response = admin_a.get(f"/acme/leads/?{query}", headers=headers)
        assert response.status_code == 200, (query, headers)
        assert notice in text_of(response)


def test_a_long_search_is_cut_to_100_characters(admin_a, org_a):
    response = admin_a.get("/acme/leads/?q=" + "y" * 10_000)
    assert 'value="' + "y" * 100 + '"' in response.get_data(as_text=True)


def test_a_tag_of_another_organization_is_not_a_filter_or_a_bulk_tag(admin_a, org_a, org_b):
    with org_context(org_b.id):
        foreign = Tag(name="theirs")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    _many(admin_a, 2)
    response = admin_a.get(f"/acme/leads/?tag={foreign_id}")
    assert response.status_code == 200 and "Ignored the tag filter" in text_of(response)
    ids = [str(lead_named(org_a, "Lead 000").id)]
    bulk = admin_a.post("/acme/leads/bulk", headers=HX, data={"action": "tag", "tag_id": str(foreign_id), "ids": ids})
    assert bulk.status_code == 422 and "Pick a tag" in text_of(bulk)
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadTag)) == 0


def test_bulk_assign_tag_and_delete_with_undo(admin_a, org_a):
    _many(admin_a, 4)
    with org_context(org_a.id):
        ids = [str(i) for i in db.session.scalars(sa.select(Lead.id).order_by(Lead.last_name).limit(3))]
        tag = Tag(name="Hot")
        db.session.add(tag)
        db.session.commit()
        tag_id = tag.id
    rep = user_id("sales.rep@acme.example")
    assigned = admin_a.post("/acme/leads/bulk", headers=HX, data={"action": "assign", "owner_id": str(rep), "ids": ids})
    assert assigned.status_code == 200 and "Owner set on 3 leads" in assigned.headers["HX-Trigger"]
    for _ in range(2):  # tagging twice links once
        admin_a.post("/acme/leads/bulk", headers=HX, data={"action": "tag", "tag_id": str(tag_id), "ids": ids})
    listing = text_of(admin_a.get(f"/acme/leads/?tag={tag_id}", headers=RESULTS))
    assert "3 leads" in listing and "Hot" in listing
    assert "3 leads" in text_of(admin_a.get(f"/acme/leads/?owner={rep}", headers=RESULTS))
    deleted = admin_a.post("/acme/leads/bulk", headers=HX, data={"action": "delete", "ids": ids})
    assert "Deleted 3 leads" in deleted.headers["HX-Trigger"]
    undo = re.search(r'"undo": "([^"]+)"', deleted.headers["HX-Trigger"]).group(1)
    assert "1 lead" in text_of(admin_a.get("/acme/leads/", headers=RESULTS))
    admin_a.post(undo, headers=HX)
    assert "4 leads" in text_of(admin_a.get("/acme/leads/", headers=RESULTS))
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadTag)) == 3


def test_bulk_without_javascript_flashes_the_undo(admin_a, org_a):
    _many(admin_a, 2)
    ids = [str(lead_named(org_a, "Lead 000").id)]
    response = admin_a.post("/acme/leads/bulk", data={"action": "delete", "ids": ids})
    assert response.status_code == 303
    with admin_a.session_transaction() as session:
        categories = [c for c, _ in session.get("_flashes", [])]
    assert any(c.startswith("undo:/acme/leads/bulk-restore?ids=") for c in categories)


@pytest.mark.parametrize("data, message", [
    ({"action": "delete"}, "Tick at least one lead"),
    ({"action": "explode", "ids": ["1"]}, "Choose what to do"),
    ({"action": "assign", "owner_id": "424242", "ids": ["1"]}, "not an active member"),
])
def test_bulk_refusals_say_why(admin_a, org_a, data, message):
    response = admin_a.post("/acme/leads/bulk", headers=HX, data=data)
    assert response.status_code == 422 and message in text_of(response)


def test_export_has_the_filtered_rows_and_neutralises_formulas(admin_a, org_a):
    hostile = ["=HYPERLINK(\"http://evil\")", "+SUM(1)", "-2+3", "@cmd", "\tTabbed", "\rReturn", "Plain"]
    with org_context(org_a.id):  # stored as an import might: the form would trim the tab and CR
        for i, value in enumerate(hostile):
            db.session.add(Lead(first_name=value, last_name=f"Export {i}", company_name=value,
                                title="=cmd|' /C calc'!A0", status="new"))
        db.session.commit()
    response = admin_a.get("/acme/leads/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "leads.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"), newline="")))
    assert rows[0][:3] == ["First name", "Last name", "Email"]
    assert len(rows) == 1 + len(hostile)
    expected = {"'" + v if v[0] in "=+-@\t\r" else v for v in hostile}
    assert {r[0] for r in rows[1:]} == expected and {r[4] for r in rows[1:]} == expected
    assert {r[5] for r in rows[1:]} == {"'=cmd|' /C calc'!A0"}
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows[1:] for cell in row)
    filtered = admin_a.get("/acme/leads/export.csv?q=plain").get_data(as_text=True)
    assert "Export 6" in filtered and "Export 0" not in filtered


def test_export_follows_filters_and_leaves_deleted_leads_out(admin_a, org_a):
    _many(admin_a, 6)
    admin_a.post(f"/acme/leads/{lead_named(org_a, 'Lead 000').id}/delete")
    rows = list(csv.reader(io.StringIO(admin_a.get("/acme/leads/export.csv?status=working").get_data(as_text=True))))
    assert sorted(r[1] for r in rows[1:]) == ["Lead 003"]


# Query counts

def _count_queries(app, fn) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def _own_and_tag_everything(org, tag_name="Hot"):
    rep = user_id("sales.rep@acme.example")
    manager = user_id("sales.manager@acme.example")
    with org_context(org.id):
        tag = db.session.scalar(sa.select(Tag).where(Tag.name == tag_name))
        if tag is None:
            tag = Tag(name=tag_name)
            db.session.add(tag)
            db.session.flush()
        tagged = set(db.session.scalars(sa.select(LeadTag.lead_id)))
        for lead in db.session.scalars(sa.select(Lead)):
            lead.owner_id = rep if lead.id % 2 else manager
            if lead.id not in tagged:
                db.session.add(LeadTag(lead_id=lead.id, tag_id=tag.id))
        db.session.commit()


@pytest.mark.parametrize("extra", ["", "&status=working", "&q=lead", "&sort=score"])
def test_list_queries_do_not_grow_with_the_number_of_rows(app, admin_a, org_a, extra):
    _many(admin_a, 5)
    _own_and_tag_everything(org_a)
    small = _count_queries(app, lambda: admin_a.get(f"/acme/leads/?per_page=25{extra}"))
    small_fragment = _count_queries(app, lambda: admin_a.get(f"/acme/leads/?per_page=25{extra}", headers=RESULTS))
    _many(admin_a, 95)
    _own_and_tag_everything(org_a)
    large = _count_queries(app, lambda: admin_a.get(f"/acme/leads/?per_page=100{extra}"))
    large_fragment = _count_queries(app, lambda: admin_a.get(f"/acme/leads/?per_page=100{extra}", headers=RESULTS))
    assert small == large, f"{small} queries for 5 rows, {large} for 50+"
    assert small_fragment == large_fragment
