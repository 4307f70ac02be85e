"""Interactions: log, edit, delete and undo on a company, a contact or a lead; what is refused."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from crm import clock
from crm.models import ActivityEvent
from crm.models import Interaction
from tests.activity.support import HX
from tests.activity.support import INTERACTION
from tests.activity.support import contact
from tests.activity.support import count
from tests.activity.support import events
from tests.activity.support import live
from tests.activity.support import rows
from tests.activity.support import toast_of
from tests.activity.support import url
from tests.helpers import text_of


def _log(client, on, record_id, **changes):
    return client.post(url(on, record_id, "interactions"), data={**INTERACTION, **changes}, headers=HX)


@pytest.mark.parametrize("kind", ["company", "contact", "lead"])
def test_log_an_interaction_on_each_kind_of_record(admin_a, org_a, recs, kind):
    record_id = getattr(recs, kind)
    response = _log(admin_a, kind, record_id)
    assert response.status_code == 200
    assert toast_of(response)["message"] == "Call logged."
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="activity-interactions"'), "the section, not the page"
    assert "Intro call" in html and "Talked about pricing." in html and "15 min" in html
    [saved] = rows(org_a, Interaction)
    assert saved[f"{kind}_id"] == record_id
    assert (saved["kind"], saved["subject"], saved["duration_minutes"], saved["outcome"], saved["next_step"],
            saved["sentiment"]) == ("call", "Intro call", 15, "Interested", "Send proposal", "positive")
    assert clock.aware(saved["occurred_at"]) == datetime(2025, 3, 31, 14, 30, tzinfo=timezone.utc)  # org timezone: UTC
    [event] = events(org_a)
    assert event["kind"] == "interaction.logged" and event[f"{kind}_id"] == record_id


def test_logged_on_a_contact_it_shows_on_the_company_and_updates_last_contacted(admin_a, org_a, recs):
    assert contact(org_a, recs.contact)["last_contacted_at"] is None
    _log(admin_a, "contact", recs.contact)
    [saved] = rows(org_a, Interaction)
    assert (saved["contact_id"], saved["company_id"], saved["lead_id"]) == (recs.contact, recs.company, None)
    assert clock.aware(contact(org_a, recs.contact)["last_contacted_at"]) == datetime(2025, 3, 31, 14, 30, tzinfo=timezone.utc)
    company_panel = admin_a.get(url("company", recs.company, "activity"))
    assert "Intro call" in text_of(company_panel) and "with Hank Scorpio" in text_of(company_panel)
    [event] = events(org_a)
    assert (event["contact_id"], event["company_id"]) == (recs.contact, recs.company)
    assert "with Hank Scorpio" in event["summary"]


def test_a_contact_without_a_company_links_only_the_contact(admin_a, org_a, recs):
    _log(admin_a, "contact", recs.loner)
    [saved] = rows(org_a, Interaction)
    assert (saved["contact_id"], saved["company_id"]) == (recs.loner, None)


def test_the_time_is_read_in_the_organizations_timezone(admin_a, org_a, recs):
    admin_a.post("/acme/admin/settings", data={"name": "Acme Inc", "currency": "USD", "timezone": "Europe/Berlin"})
    _log(admin_a, "company", recs.company, occurred_at="2025-07-01T09:00")
    [saved] = rows(org_a, Interaction)
    assert clock.aware(saved["occurred_at"]) == datetime(2025, 7, 1, 7, 0, tzinfo=timezone.utc)
    assert "1 Jul 2025, 09:00" in text_of(admin_a.get(url("company", recs.company, "activity")))


def test_no_time_means_now(admin_a, org_a, recs):
    _log(admin_a, "company", recs.company, occurred_at="")
    [saved] = rows(org_a, Interaction)
    assert abs(clock.aware(saved["occurred_at"]) - clock.now()) < timedelta(minutes=1)


def test_edit_an_interaction(admin_a, org_a, recs):
    _log(admin_a, "contact", recs.contact)
    [saved] = rows(org_a, Interaction)
    response = admin_a.post(f"/acme/activity/interactions/{saved['id']}",
                            data={**INTERACTION, "subject": "Pricing call", "kind": "meeting", "duration_minutes": "",
                                  "panel": "company"}, headers=HX)
    assert response.status_code == 200
    assert toast_of(response)["message"] == "Interaction saved."
    assert "Pricing call" in text_of(response) and "with Hank Scorpio" in text_of(response), "the company's section"
    [after] = rows(org_a, Interaction)
    assert (after["subject"], after["kind"], after["duration_minutes"]) == ("Pricing call", "meeting", None)
    assert [e["kind"] for e in events(org_a)] == ["interaction.logged", "interaction.edited"]


def test_saving_an_unchanged_interaction_records_nothing(admin_a, org_a, recs):
    _log(admin_a, "company", recs.company, occurred_at="")  # now, with seconds: the form shows minutes
    [saved] = rows(org_a, Interaction)
    from tests.activity.support import edit_values

    response = admin_a.post(f"/acme/activity/interactions/{saved['id']}", data=edit_values(admin_a, recs, saved["id"]),
                            headers=HX)
    assert toast_of(response)["message"] == "No changes to save."
    assert len(events(org_a)) == 1


def test_delete_then_undo(admin_a, org_a, recs):
    _log(admin_a, "contact", recs.contact)
    [saved] = rows(org_a, Interaction)
    response = admin_a.post(f"/acme/activity/interactions/{saved['id']}/delete", data={"panel": "contact"}, headers=HX)
    assert response.status_code == 200
    note = toast_of(response)
    assert note["message"] == "Call deleted."
    assert note["undo"] == f"/acme/activity/interactions/{saved['id']}/restore?panel=contact"
    assert note["target"] == "#activity-interactions"
    assert "Intro call" not in text_of(response)
    assert live(org_a, Interaction) == []
    assert contact(org_a, recs.contact)["last_contacted_at"] is None, "last contact follows the live interactions"
    response = admin_a.post(note["undo"], headers=HX)
    assert response.status_code == 200 and toast_of(response)["message"] == "Call restored."
    assert "Intro call" in text_of(response)
    assert len(live(org_a, Interaction)) == 1
    assert contact(org_a, recs.contact)["last_contacted_at"] is not None
    assert [e["kind"] for e in events(org_a)] == ["interaction.logged", "interaction.deleted", "interaction.restored"]


def test_a_deleted_interaction_cannot_be_edited_or_deleted_again(admin_a, org_a, recs):
    _log(admin_a, "company", recs.company)
    [saved] = rows(org_a, Interaction)
    admin_a.post(f"/acme/activity/interactions/{saved['id']}/delete", headers=HX)
    assert admin_a.post(f"/acme/activity/interactions/{saved['id']}", data=INTERACTION, headers=HX).status_code == 404
    assert admin_a.post(f"/acme/activity/interactions/{saved['id']}/delete", headers=HX).status_code == 404


def test_undo_after_the_window_is_refused_with_a_message(admin_a, org_a, recs):
    _log(admin_a, "company", recs.company)
    [saved] = rows(org_a, Interaction)
    undo = toast_of(admin_a.post(f"/acme/activity/interactions/{saved['id']}/delete", headers=HX))["undo"]
    clock.travel(timedelta(hours=1))
    response = admin_a.post(undo, headers=HX)
    assert response.status_code == 422
    assert "deleted too long ago to undo" in text_of(response)
    assert live(org_a, Interaction) == []


def test_without_htmx_a_change_redirects_to_the_record_page_with_a_message(admin_a, org_a, recs):
    response = admin_a.post(url("company", recs.company, "interactions"), data=INTERACTION)
    assert response.status_code == 303
    assert response.location.endswith(f"/acme/companies/{recs.company}")
    [saved] = rows(org_a, Interaction)
    response = admin_a.post(f"/acme/activity/interactions/{saved['id']}/delete")
    assert response.status_code == 303
    with admin_a.session_transaction() as session:
        [(category, message)] = session["_flashes"][-1:]
    assert category == f"undo:/acme/activity/interactions/{saved['id']}/restore?panel=company"
    assert message == "Call deleted."


def test_without_htmx_a_refusal_is_a_page_with_the_form_and_message(admin_a, org_a, recs):
    response = admin_a.post(url("company", recs.company, "interactions"), data={**INTERACTION, "subject": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and "Enter the subject." in html


REFUSALS = [
    ("missing subject", {"subject": "  "}, "subject", "Enter the subject."),
    ("long subject", {"subject": "x" * 201}, "subject", "Keep the subject to 200 characters or fewer (it has 201)."),
    ("long details", {"body": "x" * 10_001}, "body", "Keep the details to 10000 characters or fewer"),
    ("long outcome", {"outcome": "x" * 201}, "outcome", "Keep the outcome to 200 characters or fewer"),
    ("long next step", {"next_step": "x" * 201}, "next_step", "Keep the next step to 200 characters or fewer"),
    ("negative duration", {"duration_minutes": "-5"}, "duration_minutes", "whole number of minutes, 0 or more"),
    ("text duration", {"duration_minutes": "ten"}, "duration_minutes", "whole number of minutes, 0 or more"),
    ("huge duration", {"duration_minutes": "99999999999999999999"}, "duration_minutes", "one week"),
    ("bad date", {"occurred_at": "31/03/2025 2pm"}, "occurred_at", "is not a date and time"),
    ("impossible date", {"occurred_at": "2025-02-30T10:00"}, "occurred_at", "is not a date and time"),
    ("year out of range", {"occurred_at": "0001-01-01T00:00"}, "occurred_at", "use a year from 1900 to 2999"),
    ("unknown kind", {"kind": "telegram"}, "kind", "Choose the kind of interaction from the list (call, email, meeting"),
    ("missing kind", {"kind": ""}, "kind", "Choose the kind of interaction."),
    ("unknown sentiment", {"sentiment": "ecstatic"}, "sentiment", "Choose the sentiment from the list"),
]


@pytest.mark.parametrize("name, changes, field, message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_invalid_input_is_refused_inside_the_fragment_and_nothing_is_written(admin_a, org_a, recs, name, changes, field,
                                                                             message):
    before = contact(org_a, recs.contact)
    response = _log(admin_a, "contact", recs.contact, **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="activity-interactions"')
    assert message in text_of(response)
    assert f'id="interaction-new-{field}-error"' in html and f'aria-describedby="interaction-new-{field}-error"' in html
    assert "<details class=\"activity-add\" open>" in html, "the form stays open with what was typed"
    assert count(org_a, Interaction) == 0 and count(org_a, ActivityEvent) == 0
    assert contact(org_a, recs.contact)["last_contacted_at"] == before["last_contacted_at"]


def test_an_invalid_edit_is_refused_and_the_interaction_is_unchanged(admin_a, org_a, recs):
    _log(admin_a, "company", recs.company)
    [saved] = rows(org_a, Interaction)
    response = admin_a.post(f"/acme/activity/interactions/{saved['id']}", data={**INTERACTION, "duration_minutes": "-1"},
                            headers=HX)
    assert response.status_code == 422
    assert f'id="interaction-{saved["id"]}-duration_minutes-error"' in response.get_data(as_text=True)
    assert rows(org_a, Interaction) == [saved]
    assert len(events(org_a)) == 1
