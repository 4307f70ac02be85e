"""Permissions per role, for every default role and each record list: what a member may
open and change is exactly what crm.permissions.DEFAULT_ROLES grants the role, and a
refused change writes nothing."""

import pytest

from crm.permissions import DEFAULT_ROLES
from tests.done_means.support import ENTITIES
from tests.done_means.support import HX
from tests.done_means.support import MODELS
from tests.done_means.support import VALID_FORM
from tests.done_means.support import make_records
from tests.done_means.support import snapshot
from tests.helpers import add_member

IN_ORG_A = {"Administrator": "admin@acme.example", "Sales Rep": "sales.rep@acme.example",
            "Sales Manager": "sales.manager@acme.example", "Marketing Manager": "marketing.manager@acme.example"}


def _member(org, role: str) -> str:
    if role in IN_ORG_A:
        return IN_ORG_A[role]
    email = role.lower().replace(" ", ".") + "@acme.example"
    add_member(org, email, role)
    return email


def _expected(role: str, entity: str) -> dict[str, bool]:
    granted = set(DEFAULT_ROLES[role])
    view, edit, delete = (f"{entity}.{p}" in granted for p in ("view", "edit", "delete"))
    assign = edit and (entity != "leads" or "leads.assign" in granted)
    return {"view": view, "edit": edit, "delete": delete, "assign": assign, "bulk_delete": edit and delete}


def _allowed(response) -> bool:
    assert response.status_code in (200, 303, 403), response.status_code
    return response.status_code != 403


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("role", list(DEFAULT_ROLES))
def test_each_default_role_gets_exactly_its_permissions_on_each_list(app, org_a, role, entity):
    ids = make_records(org_a, "Mine")
    spare = make_records(org_a, "Spare")
    gone = make_records(org_a, "Gone", deleted=True)
    record, model = ids[entity], MODELS[entity]
    client = app.test_client()
    assert client.login(_member(org_a, role)).status_code == 302
    expected = _expected(role, entity)
    before = snapshot(org_a, model, record)

    seen = {
        "view": [_allowed(client.get(f"/acme/{entity}/")), _allowed(client.get(f"/acme/{entity}/{record}")),
                 _allowed(client.get(f"/acme/{entity}/{record}/details")),
                 _allowed(client.get(f"/acme/{entity}/export.csv"))],
        "edit": [_allowed(client.get(f"/acme/{entity}/new")), _allowed(client.get(f"/acme/{entity}/{record}/edit")),
                 _allowed(client.post(f"/acme/{entity}/{record}", data=VALID_FORM[entity])),
                 _allowed(client.post(f"/acme/{entity}/bulk", headers=HX,
                                      data={"action": "tag", "tag_id": str(ids["tag"]), "ids": [str(record)]}))],
        "assign": [_allowed(client.post(f"/acme/{entity}/bulk", headers=HX,
                                        data={"action": "assign", "owner_id": "", "ids": [str(record)]}))],
        "delete": [_allowed(client.post(f"/acme/{entity}/{gone[entity]}/restore")),
                   _allowed(client.post(f"/acme/{entity}/bulk-restore", data={"ids": [str(gone[entity])]}))],
        "bulk_delete": [_allowed(client.post(f"/acme/{entity}/bulk", headers=HX,
                                             data={"action": "delete", "ids": [str(record)]}))],
        "delete_one": [_allowed(client.post(f"/acme/{entity}/{spare[entity]}/delete"))],
    }
    expected["delete_one"] = expected["delete"]
    for what, answers in seen.items():
        assert answers == [expected[what]] * len(answers), (role, entity, what, answers)
    if not expected["edit"]:
        assert snapshot(org_a, model, record) == before, "a refused change wrote nothing"
    assert (snapshot(org_a, model, record)["deleted_at"] is not None) == expected["bulk_delete"]
    assert (snapshot(org_a, model, spare[entity])["deleted_at"] is not None) == expected["delete"]
    assert (snapshot(org_a, model, gone[entity])["deleted_at"] is None) == expected["delete"]
