"""Tasks: add, edit, done and undone, delete and undo; the "My tasks" page by the org's calendar."""

from datetime import date
from datetime import datetime
from datetime import timezone

import pytest
import sqlalchemy as sa

from crm import clock
from crm.models import ActivityEvent
from crm.models import Lead
from crm.models import Task
from tests.activity.support import HX
from tests.activity.support import count
from tests.activity.support import events
from tests.activity.support import live
from tests.activity.support import rows
from tests.activity.support import tenant
from tests.activity.support import toast_of
from tests.activity.support import url
from tests.activity.support import user_id
from tests.helpers import add_member
from tests.helpers import text_of

REP = "sales.rep@acme.example"


def _add(client, on, record_id, **values):
    return client.post(url(on, record_id, "tasks"), data={"title": "Send the proposal", **values}, headers=HX)


def test_add_a_task(admin_a, org_a, recs):
    response = _add(admin_a, "contact", recs.contact, due_on="2030-05-01", priority="high", assignee_id=user_id(REP))
    assert response.status_code == 200
    assert toast_of(response)["message"] == "Task “Send the proposal” added."
    [task] = rows(org_a, Task)
    assert (task["title"], task["due_on"], task["priority"], task["assignee_id"], task["contact_id"], task["company_id"],
            task["done_at"]) == ("Send the proposal", date(2030, 5, 1), "high", user_id(REP), recs.contact, recs.company, None)
    assert "Sales Rep" in text_of(response) and "high priority" in text_of(response)
    assert [e["kind"] for e in events(org_a)] == ["task.added"]


def test_the_add_form_assigns_to_me_by_default_and_lists_active_members(admin_a, org_a, recs):
    add_member(org_a, "gone@acme.example", "Sales Rep", active=False)
    html = admin_a.get(url("company", recs.company, "activity")).get_data(as_text=True)
    form = html.split('id="task-new-assignee_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{user_id("admin@acme.example")}" selected' in form
    assert "Sales Rep" in form and "Gone" not in form


def test_a_task_with_no_assignee_and_no_date(admin_a, org_a, recs):
    assert _add(admin_a, "lead", recs.lead, assignee_id="").status_code == 200
    [task] = rows(org_a, Task)
    assert (task["assignee_id"], task["due_on"], task["priority"]) == (None, None, "normal")


REFUSALS = [
    ("missing title", {"title": ""}, "title", "Enter the task title."),
    ("long title", {"title": "x" * 201}, "title", "Keep the task title to 200 characters or fewer"),
    ("bad date", {"due_on": "next friday"}, "due_on", "is not a date"),
    ("impossible date", {"due_on": "2030-02-31"}, "due_on", "is not a date"),
    ("year out of range", {"due_on": "20300-01-01"}, "due_on", "is not a date"),
    ("ancient", {"due_on": "1066-10-14"}, "due_on", "use a year from 1900 to 2999"),
    ("unknown priority", {"priority": "urgent"}, "priority", "Choose the priority from the list (low, normal, high)."),
    ("not a member", {"assignee_id": "999999"}, "assignee_id", "Pick the assignee from the list"),
    ("not a number", {"assignee_id": "bob"}, "assignee_id", "Pick the assignee from the list"),
]


@pytest.mark.parametrize("name, changes, field, message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_invalid_input_is_refused_and_nothing_is_written(admin_a, org_a, recs, name, changes, field, message):
    response = _add(admin_a, "company", recs.company, **changes)
    assert response.status_code == 422
    assert message in text_of(response)
    assert f'id="task-new-{field}-error"' in response.get_data(as_text=True)
    assert count(org_a, Task) == 0 and count(org_a, ActivityEvent) == 0


def test_members_of_another_organization_and_deactivated_members_cannot_be_assigned(admin_a, org_a, org_b, recs):
    add_member(org_a, "gone@acme.example", "Sales Rep", active=False)
    for email in ("sales.rep@bravo.example", "gone@acme.example"):
        response = _add(admin_a, "company", recs.company, assignee_id=user_id(email))
        assert response.status_code == 422
        assert "Pick the assignee from the list: that person is not an active member here." in text_of(response)
    assert count(org_a, Task) == 0


def test_edit_a_task(admin_a, org_a, recs):
    _add(admin_a, "company", recs.company)
    [task] = rows(org_a, Task)
    response = admin_a.post(f"/acme/activity/tasks/{task['id']}",
                            data={"title": "Send the revised proposal", "due_on": "2031-01-02", "priority": "low",
                                  "assignee_id": user_id(REP)}, headers=HX)
    assert response.status_code == 200 and toast_of(response)["message"] == "Task saved."
    [after] = rows(org_a, Task)
    assert (after["title"], after["due_on"], after["priority"], after["assignee_id"]) == (
        "Send the revised proposal", date(2031, 1, 2), "low", user_id(REP))
    response = admin_a.post(f"/acme/activity/tasks/{task['id']}", data={"title": "", "priority": "low"}, headers=HX)
    assert response.status_code == 422 and f'id="task-{task["id"]}-title-error"' in response.get_data(as_text=True)
    assert rows(org_a, Task) == [after]


def test_tick_done_and_undone(admin_a, org_a, recs):
    _add(admin_a, "company", recs.company)
    [task] = rows(org_a, Task)
    response = admin_a.post(f"/acme/activity/tasks/{task['id']}/done", data={"done": "1"}, headers=HX)
    assert toast_of(response)["message"] == "Task “Send the proposal” done."
    assert rows(org_a, Task)[0]["done_at"] is not None
    assert "(0 open)" in text_of(response) and "<s>Send the proposal</s>" in response.get_data(as_text=True)
    response = admin_a.post(f"/acme/activity/tasks/{task['id']}/done", headers=HX)  # the unticked box sends nothing
    assert toast_of(response)["message"] == "Task “Send the proposal” reopened."
    assert rows(org_a, Task)[0]["done_at"] is None
    assert [e["kind"] for e in events(org_a)] == ["task.added", "task.done", "task.reopened"]


def test_delete_a_task_then_undo(admin_a, org_a, recs):
    _add(admin_a, "lead", recs.lead)
    [task] = rows(org_a, Task)
    response = admin_a.post(f"/acme/activity/tasks/{task['id']}/delete", headers=HX)
    note = toast_of(response)
    assert note["message"] == "Task “Send the proposal” deleted." and note["target"] == "#activity-tasks"
    assert live(org_a, Task) == [] and "Send the proposal" not in text_of(response)
    response = admin_a.post(note["undo"], headers=HX)
    assert toast_of(response)["message"] == "Task “Send the proposal” restored."
    assert len(live(org_a, Task)) == 1 and "Send the proposal" in text_of(response)


# My tasks

def _task(org, title, due_on, assignee, **links):
    with tenant(org) as s:
        s.add(Task(title=title, due_on=due_on, assignee_id=assignee, **links))
        s.commit()


def _groups(client) -> dict[str, str]:
    html = client.get("/acme/activity/tasks/mine", headers=HX).get_data(as_text=True)
    return {g: html.split(f'id="my-tasks-{g}"', 1)[1].split("</section>", 1)[0]
            for g in ("overdue", "today", "upcoming")}


def test_my_tasks_are_grouped_by_the_organizations_calendar(admin_a, org_a, recs):
    me = user_id("admin@acme.example")
    admin_a.post("/acme/admin/settings", data={"name": "Acme Inc", "currency": "USD", "timezone": "Pacific/Auckland"})
    # 2030-06-14 20:00 UTC is already 2030-06-15 08:00 in Auckland.
    clock.travel(datetime(2030, 6, 14, 20, 0, tzinfo=timezone.utc) - clock.now())
    _task(org_a, "Was due yesterday", date(2030, 6, 14), me, company_id=recs.company)
    _task(org_a, "Due today", date(2030, 6, 15), me, contact_id=recs.contact, company_id=recs.company)
    _task(org_a, "Due tomorrow", date(2030, 6, 16), me, lead_id=recs.lead)
    _task(org_a, "Some day", None, me, company_id=recs.company)
    _task(org_a, "Someone else's", date(2030, 6, 15), user_id(REP), company_id=recs.company)
    groups = _groups(admin_a)
    assert "Was due yesterday" in groups["overdue"] and "Due today" not in groups["overdue"]
    assert "Due today" in groups["today"] and "Hank Scorpio" in groups["today"]
    assert f'href="/acme/contacts/{recs.contact}"' in groups["today"]
    assert "Due tomorrow" in groups["upcoming"] and "Some day" in groups["upcoming"]
    assert groups["upcoming"].index("Due tomorrow") < groups["upcoming"].index("Some day")
    assert "Someone else" not in "".join(groups.values())
    clock.travel(datetime(2030, 6, 15, 12, 0, tzinfo=timezone.utc) - clock.now())  # 16 June in Auckland
    groups = _groups(admin_a)
    assert "Due today" in groups["overdue"] and "Due tomorrow" in groups["today"]


def test_done_deleted_and_tasks_of_deleted_records_are_not_listed(admin_a, org_a, recs):
    me = user_id("admin@acme.example")
    _task(org_a, "Open one", None, me, company_id=recs.company)
    _task(org_a, "Deleted one", None, me, company_id=recs.company)
    _task(org_a, "Done one", None, me, company_id=recs.company)
    _task(org_a, "On a deleted lead", None, me, lead_id=recs.lead)
    with tenant(org_a) as s:
        tasks = {t.title: t for t in s.scalars(sa.select(Task))}
        tasks["Deleted one"].deleted_at = clock.now()
        tasks["Done one"].done_at = clock.now()
        s.get(Lead, recs.lead).deleted_at = clock.now()
        s.commit()
    text = "".join(_groups(admin_a).values())
    assert "Open one" in text
    assert "Deleted one" not in text and "Done one" not in text and "On a deleted lead" not in text


def test_ticking_a_task_on_my_tasks_refreshes_the_list(admin_a, org_a, recs):
    _task(org_a, "Call back", None, user_id("admin@acme.example"), company_id=recs.company)
    [task] = rows(org_a, Task)
    response = admin_a.post(f"/acme/activity/tasks/{task['id']}/done", data={"done": "1", "from": "mine"}, headers=HX)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<div id="my-tasks">')
    assert "Call back" not in text_of(response)
    assert rows(org_a, Task)[0]["done_at"] is not None


def test_my_tasks_page_and_top_bar_link(admin_a):
    response = admin_a.get("/acme/activity/tasks/mine")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<a href="/acme/activity/tasks/mine">My tasks</a>' in html
    assert "Nothing overdue." in html and "Nothing due today." in html


def test_company_panel_marks_overdue_tasks(admin_a, org_a, recs):
    _task(org_a, "Late", date(2000, 1, 1), None, company_id=recs.company)
    assert "overdue, due 1 Jan 2000" in text_of(admin_a.get(url("company", recs.company, "activity")))
