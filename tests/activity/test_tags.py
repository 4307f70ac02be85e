"""Tags: the management page (tags.manage) and tags on companies, contacts and leads."""

from datetime import timedelta

import pytest

from crm import clock
from crm.models import AuditEntry
from crm.models import CompanyTag
from crm.models import ContactTag
from crm.models import LeadTag
from crm.models import Tag
from crm.models.tags import TAG_COLOURS
from tests.activity.support import HX
from tests.activity.support import count
from tests.activity.support import events
from tests.activity.support import rows
from tests.activity.support import tenant
from tests.activity.support import toast_of
from tests.activity.support import url
from tests.helpers import text_of

LINKS = {"company": CompanyTag, "contact": ContactTag, "lead": LeadTag}


def _tag(org, name, colour=TAG_COLOURS[0]) -> int:
    with tenant(org) as s:
        tag = Tag(name=name, colour=colour)
        s.add(tag)
        s.commit()
        return tag.id


def _tags(org) -> list[tuple]:
    return [(t["name"], t["colour"], t["category"]) for t in rows(org, Tag)]


# The management page

def test_create_rename_recolour_and_delete_a_tag(admin_a, org_a, recs):
    response = admin_a.post("/acme/activity/tags", data={"name": "  Key   account ", "colour": "#22c55e",
                                                         "category": "Tier"}, headers=HX)
    assert response.status_code == 200 and toast_of(response)["message"] == "Tag Key account created."
    assert response.get_data(as_text=True).lstrip().startswith('<section id="tag-admin">')
    assert _tags(org_a) == [("Key account", "#22c55e", "Tier")]
    [tag] = rows(org_a, Tag)
    admin_a.post(url("company", recs.company, "tags"), data={"tag_id": tag["id"]}, headers=HX)
    response = admin_a.post(f"/acme/activity/tags/{tag['id']}", data={"name": "Key Account", "colour": "#3b82f6",
                                                                       "category": ""}, headers=HX)
    assert toast_of(response)["message"] == "Tag Key Account saved."
    assert _tags(org_a) == [("Key Account", "#3b82f6", None)]
    assert "1 record" in text_of(response)
    response = admin_a.post(f"/acme/activity/tags/{tag['id']}/delete", headers=HX)
    assert toast_of(response)["message"] == "Tag Key Account deleted and removed from every record."
    assert _tags(org_a) == [] and count(org_a, CompanyTag) == 0
    assert [a["action"] for a in rows(org_a, AuditEntry)] == ["tag.create", "tag.update", "tag.delete"]


@pytest.mark.parametrize("values, message", [
    ({"name": ""}, "Enter a name for the tag."),
    ({"name": "x" * 51}, "Keep the tag name to 50 characters or fewer (it has 51)."),
    ({"name": "vip"}, "There is already a tag called “VIP”."),
    ({"name": " V I P "}, None),
    ({"name": "New", "colour": "red; background: url(x)"}, "Choose one of the colours offered"),
    ({"name": "New", "category": "c" * 51}, "Keep the category to 50 characters or fewer"),
])
def test_invalid_tags_are_refused(admin_a, org_a, values, message):
    _tag(org_a, "VIP")
    response = admin_a.post("/acme/activity/tags", data=values, headers=HX)
    if message is None:
        assert response.status_code == 200  # another name, not a duplicate
        return
    assert response.status_code == 422
    assert message in text_of(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _tags(org_a) == [("VIP", TAG_COLOURS[0], None)]


def test_renaming_onto_another_tags_name_is_refused_but_changing_case_is_fine(admin_a, org_a):
    _tag(org_a, "VIP")
    other = _tag(org_a, "Partner")
    response = admin_a.post(f"/acme/activity/tags/{other}", data={"name": "Vip", "colour": TAG_COLOURS[0]}, headers=HX)
    assert response.status_code == 422 and "There is already a tag called “VIP”" in text_of(response)
    assert f'id="tag-{other}-name-error"' in response.get_data(as_text=True)
    response = admin_a.post(f"/acme/activity/tags/{other}", data={"name": "PARTNER", "colour": TAG_COLOURS[0]}, headers=HX)
    assert response.status_code == 200
    assert sorted(t[0] for t in _tags(org_a)) == ["PARTNER", "VIP"]


# Tags on records

@pytest.mark.parametrize("kind", ["company", "contact", "lead"])
def test_add_and_remove_a_tag_on_a_record(admin_a, org_a, recs, kind):
    tag_id = _tag(org_a, "VIP", "#ef4444")
    record_id = getattr(recs, kind)
    response = admin_a.post(url(kind, record_id, "tags"), data={"tag_id": tag_id}, headers=HX)
    assert response.status_code == 200 and toast_of(response)["message"] == "Tagged VIP."
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="record-tags"')
    assert 'style="background-color: #ef4444; color: #ffffff"' in html
    assert 'aria-label="Remove tag VIP"' in html
    [link] = rows(org_a, LINKS[kind])
    assert (link[f"{kind}_id"], link["tag_id"]) == (record_id, tag_id)
    response = admin_a.post(url(kind, record_id, "tags"), data={"tag_id": tag_id}, headers=HX)
    assert toast_of(response)["message"] == "Already tagged VIP."
    assert count(org_a, LINKS[kind]) == 1
    response = admin_a.post(url(kind, record_id, f"tags/{tag_id}/remove"), headers=HX)
    assert toast_of(response)["message"] == "Tag VIP removed."
    assert count(org_a, LINKS[kind]) == 0
    assert [e["kind"] for e in events(org_a)] == ["tag.added", "tag.removed"]


def test_a_contacts_tag_events_show_on_its_company_naming_the_contact(admin_a, org_a, recs):
    tag_id = _tag(org_a, "VIP")
    admin_a.post(url("contact", recs.contact, "tags"), data={"tag_id": tag_id}, headers=HX)
    assert "Tagged VIP (Hank Scorpio)" in text_of(admin_a.get(url("company", recs.company, "timeline"), headers=HX))


def test_a_new_tag_can_be_created_from_the_record_by_members_who_manage_tags(admin_a, org_a, recs):
    response = admin_a.post(url("lead", recs.lead, "tags"), data={"name": "Webinar 2025"}, headers=HX)
    assert response.status_code == 200 and toast_of(response)["message"] == "Tagged Webinar 2025."
    assert _tags(org_a) == [("Webinar 2025", TAG_COLOURS[0], None)]
    response = admin_a.post(url("lead", recs.lead, "tags"), data={"name": "webinar 2025"}, headers=HX)
    assert response.status_code == 422 and "There is already a tag called “Webinar 2025”" in text_of(response)


def test_a_member_without_tags_manage_cannot_create_tags_from_a_record(client, org_a, recs):
    client.login("sales.rep@acme.example")
    response = client.post(url("company", recs.company, "tags"), data={"name": "Mine"}, headers=HX)
    assert response.status_code == 422
    assert "Your role cannot create tags: choose an existing tag from the list." in text_of(response)
    assert _tags(org_a) == []
    html = client.get(url("company", recs.company, "activity")).get_data(as_text=True)
    assert 'name="name" maxlength="50" placeholder="or a new tag"' not in html and "Manage tags" not in html


@pytest.mark.parametrize("value", ["", "abc", "99999999", "1" * 40])
def test_unknown_tags_are_refused_with_a_message(admin_a, org_a, recs, value):
    response = admin_a.post(url("company", recs.company, "tags"), data={"tag_id": value}, headers=HX)
    assert response.status_code == 422
    assert ("Choose a tag to add." if value == "" else "That tag does not exist in this organization") in text_of(response)
    assert count(org_a, CompanyTag) == 0


def test_a_tag_of_another_organization_is_refused_with_a_message(admin_a, org_a, org_b, recs):
    foreign = _tag(org_b, "Bravo secret")
    response = admin_a.post(url("company", recs.company, "tags"), data={"tag_id": foreign}, headers=HX)
    assert response.status_code == 422
    assert "That tag does not exist in this organization" in text_of(response)
    assert "Bravo secret" not in response.get_data(as_text=True)
    assert count(org_a, CompanyTag) == 0 and count(org_b, CompanyTag) == 0
    assert admin_a.post(url("company", recs.company, f"tags/{foreign}/remove"), headers=HX).status_code == 404
    assert admin_a.post(f"/acme/activity/tags/{foreign}", data={"name": "x"}, headers=HX).status_code == 404
    assert admin_a.post(f"/acme/activity/tags/{foreign}/delete", headers=HX).status_code == 404
    assert _tags(org_b) == [("Bravo secret", TAG_COLOURS[0], None)]


def test_the_add_select_offers_only_tags_the_record_does_not_have(admin_a, org_a, recs):
    vip, partner = _tag(org_a, "VIP"), _tag(org_a, "Partner")
    admin_a.post(url("company", recs.company, "tags"), data={"tag_id": vip}, headers=HX)
    html = admin_a.get(url("company", recs.company, "activity")).get_data(as_text=True)
    select = html.split('id="tag-add-company"', 1)[1].split("</select>", 1)[0]
    assert f'value="{partner}"' in select and f'value="{vip}"' not in select



def _tagged(admin, org, recs, name: str) -> int:
    tag_id = _tag(org, name)
    for kind, record_id in (("company", recs.company), ("contact", recs.contact), ("lead", recs.lead)):
        admin.post(url(kind, record_id, "tags"), data={"tag_id": tag_id}, headers=HX)
    return tag_id


def _links(org) -> list[int]:
    return [count(org, link) for link in LINKS.values()]


def test_deleting_a_tag_can_be_undone_and_it_comes_back_on_its_records(admin_a, org_a, recs):
    tag_id = _tagged(admin_a, org_a, recs, "Hot")
    response = admin_a.post(f"/acme/activity/tags/{tag_id}/delete", headers=HX)
    note = toast_of(response)
    assert note["undo"] == f"/acme/activity/tags/{tag_id}/restore" and note["target"] == "#tag-admin"
    assert _links(org_a) == [0, 0, 0] and _tags(org_a) == []

    undone = admin_a.post(note["undo"], headers=HX)
    assert undone.status_code == 200 and toast_of(undone)["message"] == "Tag Hot is back on its records."
    assert [t["id"] for t in rows(org_a, Tag)] == [tag_id] and _links(org_a) == [1, 1, 1]
    assert "3 records" in text_of(undone)
    assert [a["action"] for a in rows(org_a, AuditEntry)][-2:] == ["tag.delete", "tag.restore"]


def test_undoing_a_tag_delete_is_refused_when_the_name_was_taken_or_too_late(admin_a, org_a, recs):
    tag_id = _tagged(admin_a, org_a, recs, "Hot")
    admin_a.post(f"/acme/activity/tags/{tag_id}/delete", headers=HX)
    admin_a.post("/acme/activity/tags", data={"name": "hot"}, headers=HX)
    taken = admin_a.post(f"/acme/activity/tags/{tag_id}/restore", headers=HX)
    assert taken.status_code == 422 and "was created since" in text_of(taken)

    cold = _tagged(admin_a, org_a, recs, "Cold")
    admin_a.post(f"/acme/activity/tags/{cold}/delete", headers=HX)
    clock.travel(timedelta(minutes=10))
    late = admin_a.post(f"/acme/activity/tags/{cold}/restore", headers=HX)
    assert late.status_code == 422 and "too long ago" in text_of(late)
    assert _tags(org_a) == [("hot", TAG_COLOURS[0], None)]
    assert admin_a.post(f"/acme/activity/tags/{cold + 999}/restore", headers=HX).status_code == 404


def test_taking_a_tag_off_a_record_can_be_undone(admin_a, org_a, recs):
    tag_id = _tagged(admin_a, org_a, recs, "Hot")
    response = admin_a.post(url("lead", recs.lead, f"tags/{tag_id}/remove"), headers=HX)
    note = toast_of(response)
    assert note["message"] == "Tag Hot removed." and note["target"] == "#record-tags"
    assert _links(org_a) == [1, 1, 0]
    undone = admin_a.post(note["undo"], headers=HX)
    assert undone.status_code == 200 and toast_of(undone)["message"] == "Tagged Hot."
    assert _links(org_a) == [1, 1, 1] and "Hot" in text_of(undone)
