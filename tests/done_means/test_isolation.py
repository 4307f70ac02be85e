"""Isolation gaps of issue 3's "Done means": bulk actions, Undo and restore with another
organization's ids. The URL walk (tests/test_isolation_routes.py) already puts another
organization's ids in every URL; these send them where the walk cannot, in forms, and
use records of B that are deleted (so that an Undo would have something to bring back).
"""

import json

import pytest

from crm.models import CompanyTag
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import LeadTag
from crm.models import Note
from crm.models import Task
from tests.done_means.support import ENTITIES
from tests.done_means.support import HX
from tests.done_means.support import MODELS
from tests.done_means.support import count
from tests.done_means.support import make_records
from tests.done_means.support import snapshot
from tests.done_means.support import user_id

TAG_LINKS = {"companies": CompanyTag, "contacts": ContactTag, "leads": LeadTag}
ACTIVITY = {"interaction": ("interactions", Interaction), "note": ("notes", Note), "task": ("tasks", Task)}


def _toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


@pytest.mark.parametrize("entity", ENTITIES)
def test_bulk_actions_with_another_organizations_ids_change_only_our_records(admin_a, org_a, org_b, entity):
    ours, theirs = make_records(org_a, "Ours"), make_records(org_b, "Theirs")
    before = snapshot(org_b, MODELS[entity], theirs[entity])
    ids = [str(ours[entity]), str(theirs[entity])]
    rep = user_id("sales.rep@acme.example")

    assigned = admin_a.post(f"/acme/{entity}/bulk", headers=HX, data={"action": "assign", "owner_id": str(rep), "ids": ids})
    tagged = admin_a.post(f"/acme/{entity}/bulk", headers=HX, data={"action": "tag", "tag_id": str(ours["tag"]), "ids": ids})
    deleted = admin_a.post(f"/acme/{entity}/bulk", headers=HX, data={"action": "delete", "ids": ids})

    for response in (assigned, tagged, deleted):
        assert response.status_code == 200
        assert " 1 " in _toast(response), _toast(response)   # "Owner set on 1 company", "Deleted 1 lead" ...
    assert snapshot(org_b, MODELS[entity], theirs[entity]) == before
    assert count(org_b, TAG_LINKS[entity]) == 0
    assert snapshot(org_a, MODELS[entity], ours[entity])["deleted_at"] is not None
    assert count(org_a, TAG_LINKS[entity]) == 1


@pytest.mark.parametrize("entity", ENTITIES)
def test_the_undo_of_a_bulk_delete_does_not_bring_back_another_organizations_records(admin_a, org_a, org_b, entity):
    ours, theirs = make_records(org_a, "Ours", deleted=True), make_records(org_b, "Theirs", deleted=True)
    response = admin_a.post(f"/acme/{entity}/bulk-restore", headers=HX,
                            data={"ids": [str(ours[entity]), str(theirs[entity])]})
    assert response.status_code == 200 and _toast(response).startswith("Restored 1 ")
    assert snapshot(org_b, MODELS[entity], theirs[entity])["deleted_at"] is not None
    assert snapshot(org_a, MODELS[entity], ours[entity])["deleted_at"] is None
    # The same from the query string, as the Undo link of the toast carries the ids.
    again = admin_a.post(f"/acme/{entity}/bulk-restore?ids={theirs[entity]}", headers=HX)
    assert again.status_code == 200 and _toast(again).startswith("Restored 0 ")
    assert snapshot(org_b, MODELS[entity], theirs[entity])["deleted_at"] is not None


@pytest.mark.parametrize("entity", ENTITIES)
def test_undo_of_another_organizations_deleted_record_is_404_and_it_stays_deleted(admin_a, org_a, org_b, entity):
    theirs = make_records(org_b, "Theirs", deleted=True)
    for slug in ("acme", "bravo"):
        for headers in ({}, HX):
            response = admin_a.post(f"/{slug}/{entity}/{theirs[entity]}/restore", headers=headers)
            assert response.status_code == 404, (slug, headers)
            assert "Theirs" not in response.get_data(as_text=True)
    assert snapshot(org_b, MODELS[entity], theirs[entity])["deleted_at"] is not None


@pytest.mark.parametrize("item", list(ACTIVITY))
def test_undo_of_another_organizations_deleted_interaction_note_or_task_is_404(admin_a, org_a, org_b, item):
    theirs = make_records(org_b, "Theirs", deleted=True)
    plural, model = ACTIVITY[item]
    for slug in ("acme", "bravo"):
        response = admin_a.post(f"/{slug}/activity/{plural}/{theirs[item]}/restore?panel=company", headers=HX)
        assert response.status_code == 404, slug
        assert "Theirs" not in response.get_data(as_text=True)
    assert snapshot(org_b, model, theirs[item])["deleted_at"] is not None


@pytest.mark.parametrize("entity", ENTITIES)
def test_a_bulk_delete_of_only_another_organizations_ids_offers_no_undo(admin_a, org_a, org_b, entity):
    theirs = make_records(org_b, "Theirs")
    response = admin_a.post(f"/acme/{entity}/bulk", headers=HX, data={"action": "delete", "ids": [str(theirs[entity])]})
    note = json.loads(response.headers["HX-Trigger"])["toast"]
    assert response.status_code == 200 and "undo" not in note
    assert note["message"].startswith(f"None of the ticked {entity} could be deleted")
    assert snapshot(org_b, MODELS[entity], theirs[entity])["deleted_at"] is None
