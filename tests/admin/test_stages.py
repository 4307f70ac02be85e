"""Pipeline stages: defaults, create, rename, validation, reorder, delete, won/lost invariant."""

import pytest

from tests.admin.support import audit
from tests.admin.support import stage_id
from tests.admin.support import stage_names
from tests.admin.support import stages
from tests.admin.support import user_id
from tests.helpers import text_of

DEFAULTS = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]


def _contiguous(org) -> bool:
    return [s["position"] for s in stages(org)] == list(range(len(stages(org))))


def _edit(client, org, stage, **changes):
    current = next(s for s in stages(org) if s["name"] == stage)
    data = {k: current[k] for k in ("name", "probability", "expected_days", "kind")} | changes
    return client.post(f"/acme/admin/stages/{current['id']}", data=data)


def test_defaults_of_a_new_org(admin_a, org_a):
    got = stages(org_a)
    assert [s["name"] for s in got] == DEFAULTS
    assert [s["kind"] for s in got] == ["open", "open", "open", "open", "won", "lost"]
    assert [s["probability"] for s in got] == [10, 25, 50, 75, 100, 0]
    assert _contiguous(org_a)
    page = admin_a.get("/acme/admin/stages")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert [html.index(f'data-name="{n}"') for n in DEFAULTS] == sorted(html.index(f'data-name="{n}"') for n in DEFAULTS)


def test_create_open_stage_goes_before_the_closing_ones(admin_a, org_a):
    response = admin_a.post("/acme/admin/stages", data={"name": "Demo", "probability": "60", "expected_days": "7", "kind": "open"})
    assert response.status_code == 302
    assert "Stage Demo added." in text_of(admin_a.get(response.headers["Location"]))
    assert stage_names(org_a) == ["Prospecting", "Qualification", "Proposal", "Negotiation", "Demo", "Closed Won", "Closed Lost"]
    assert _contiguous(org_a)
    demo = next(s for s in stages(org_a) if s["name"] == "Demo")
    assert (demo["probability"], demo["expected_days"], demo["kind"]) == (60, 7, "open")
    [row] = audit(org_a, "stage.create")
    assert row["before"] is None and row["after"]["name"] == "Demo" and row["after"]["probability"] == 60
    assert row["actor_id"] == user_id("admin@acme.example")


def test_create_closing_stage_goes_last(admin_a, org_a):
    admin_a.post("/acme/admin/stages", data={"name": "Won (renewal)", "probability": "100", "expected_days": "0", "kind": "won"})
    assert stage_names(org_a)[-1] == "Won (renewal)"
    assert _contiguous(org_a)


@pytest.mark.parametrize("field, value, message", [
    ("probability", "101", "Probability must be from 0 to 100."),
    ("probability", "-1", "Probability must be from 0 to 100."),
    ("probability", "", "Enter a probability from 0 to 100."),
    ("expected_days", "soon", "Not a valid integer value"),
    ("expected_days", "-3", "Expected days must be from 0 to 3650."),
    ("name", "x" * 61, "60 characters"),
    ("name", "", "Give the stage a name."),
    ("name", "closed won", "A stage named “Closed Won” already exists"),
    ("kind", "maybe", "Not a valid choice"),
])
def test_create_refusals(admin_a, org_a, field, value, message):
    before = stages(org_a)
    data = {"name": "Demo", "probability": "60", "expected_days": "7", "kind": "open", field: value}
    response = admin_a.post("/acme/admin/stages", data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert stages(org_a) == before
    assert audit(org_a) == []


def test_rename_and_edit(admin_a, org_a):
    response = _edit(admin_a, org_a, "Proposal", name="Quote sent", probability="55", expected_days="10")
    assert response.status_code == 302
    assert "Stage Quote sent saved." in text_of(admin_a.get(response.headers["Location"]))
    assert stage_names(org_a) == ["Prospecting", "Qualification", "Quote sent", "Negotiation", "Closed Won", "Closed Lost"]
    quote = next(s for s in stages(org_a) if s["name"] == "Quote sent")
    assert (quote["probability"], quote["expected_days"]) == (55, 10)
    [row] = audit(org_a, "stage.update")
    assert row["before"]["name"] == "Proposal" and row["before"]["probability"] == 50
    assert row["after"]["name"] == "Quote sent" and row["after"]["probability"] == 55
    assert row["actor_id"] == user_id("admin@acme.example")


def test_saving_unchanged_stage_writes_nothing(admin_a, org_a):
    assert _edit(admin_a, org_a, "Proposal").status_code == 302
    assert audit(org_a) == []


@pytest.mark.parametrize("changes, message", [
    ({"probability": "150"}, "Probability must be from 0 to 100."),
    ({"probability": "-5"}, "Probability must be from 0 to 100."),
    ({"probability": "half"}, "Not a valid integer value"),
    ({"expected_days": "a week"}, "Not a valid integer value"),
    ({"expected_days": "99999"}, "Expected days must be from 0 to 3650."),
    ({"name": "y" * 61}, "60 characters"),
    ({"name": "  "}, "Give the stage a name."),
    ({"name": "NEGOTIATION"}, "A stage named “Negotiation” already exists"),
])
def test_edit_refusals(admin_a, org_a, changes, message):
    before = stages(org_a)
    response = _edit(admin_a, org_a, "Proposal", **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in text_of(response)
    # The message sits next to the stage it is about.
    proposal = html.split(f'id="stage-{stage_id(org_a, "Proposal")}"')[1].split("</li>")[0]
    assert message in proposal.replace("&#34;", '"')
    assert stages(org_a) == before
    assert audit(org_a) == []


def test_reorder(admin_a, org_a):
    response = admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Proposal')}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert stage_names(org_a) == ["Prospecting", "Proposal", "Qualification", "Negotiation", "Closed Won", "Closed Lost"]
    admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Prospecting')}/move", data={"direction": "down"})
    assert stage_names(org_a) == ["Proposal", "Prospecting", "Qualification", "Negotiation", "Closed Won", "Closed Lost"]
    assert _contiguous(org_a)
    rows = audit(org_a, "stage.reorder")
    assert len(rows) == 2
    assert rows[0]["before"] == {"order": DEFAULTS}
    assert rows[0]["after"] == {"order": ["Prospecting", "Proposal", "Qualification", "Negotiation", "Closed Won", "Closed Lost"]}
    assert rows[0]["actor_id"] == user_id("admin@acme.example")


def test_moving_past_either_end_changes_nothing(admin_a, org_a):
    first = admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Prospecting')}/move", data={"direction": "up"})
    assert first.status_code == 302
    assert "Prospecting is already first." in text_of(admin_a.get(first.headers["Location"]))
    last = admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Closed Lost')}/move", data={"direction": "down"})
    assert last.status_code == 302
    assert "Closed Lost is already last." in text_of(admin_a.get(last.headers["Location"]))
    assert stage_names(org_a) == DEFAULTS
    assert audit(org_a) == []


def test_unknown_direction_is_refused(admin_a, org_a):
    response = admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Proposal')}/move", data={"direction": "sideways"})
    assert response.status_code == 422
    assert "up or down" in text_of(response)
    assert stage_names(org_a) == DEFAULTS
    assert audit(org_a) == []


def test_delete_a_normal_stage_keeps_positions_contiguous(admin_a, org_a):
    response = admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Qualification')}/delete")
    assert response.status_code == 302
    assert "Stage Qualification deleted." in text_of(admin_a.get(response.headers["Location"]))
    assert stage_names(org_a) == ["Prospecting", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
    assert _contiguous(org_a)
    [row] = audit(org_a, "stage.delete")
    assert row["before"]["name"] == "Qualification" and row["after"] is None
    assert row["actor_id"] == user_id("admin@acme.example")


@pytest.mark.parametrize("name, kind", [("Closed Won", "won"), ("Closed Lost", "lost")])
def test_the_only_won_or_lost_stage_cannot_be_deleted(admin_a, org_a, name, kind):
    response = admin_a.post(f"/acme/admin/stages/{stage_id(org_a, name)}/delete")
    assert response.status_code == 422
    assert f"{name} is the only {kind} stage" in text_of(response)
    assert stage_names(org_a) == DEFAULTS
    assert audit(org_a) == []


@pytest.mark.parametrize("name, kind, other", [("Closed Won", "won", "open"), ("Closed Won", "won", "lost"),
                                               ("Closed Lost", "lost", "open"), ("Closed Lost", "lost", "won")])
def test_the_only_won_or_lost_stage_cannot_change_kind(admin_a, org_a, name, kind, other):
    before = stages(org_a)
    response = _edit(admin_a, org_a, name, kind=other)
    assert response.status_code == 422
    assert f"This is the only {kind} stage" in text_of(response)
    assert stages(org_a) == before
    assert audit(org_a) == []


def test_with_a_second_won_stage_the_first_can_go(admin_a, org_a):
    admin_a.post("/acme/admin/stages", data={"name": "Renewed", "probability": "100", "expected_days": "0", "kind": "won"})
    assert _edit(admin_a, org_a, "Closed Won", kind="open").status_code == 302
    assert next(s for s in stages(org_a) if s["name"] == "Closed Won")["kind"] == "open"
    # Now Renewed is the only won stage.
    assert admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Renewed')}/delete").status_code == 422
    assert admin_a.post(f"/acme/admin/stages/{stage_id(org_a, 'Closed Won')}/delete").status_code == 302
    assert [s["kind"] for s in stages(org_a)].count("won") == 1
    assert _contiguous(org_a)


def test_stage_of_another_org_is_404(admin_a, org_a, org_b):
    other = stage_id(org_b, "Proposal")
    assert admin_a.post(f"/acme/admin/stages/{other}/delete").status_code == 404
    assert admin_a.post(f"/acme/admin/stages/{other}/move", data={"direction": "up"}).status_code == 404
    assert admin_a.post(f"/acme/admin/stages/{other}", data={"name": "X", "probability": "1", "expected_days": "1",
                                                            "kind": "open"}).status_code == 404
    assert stage_names(org_b) == DEFAULTS
