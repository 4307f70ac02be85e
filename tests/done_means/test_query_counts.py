"""No N+1 beyond the lists: a record page, its timeline and activity panel, "My tasks" and
the global search dropdown each cost the same number of SQL statements whether the record
has one of everything or thirty. (The three list pages have their own tests: companies,
contacts and leads test_list_queries_*.)"""

from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm import clock
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import Lead
from crm.models import Task
from crm.models import User
from tests.done_means.support import HX
from tests.done_means.support import counted
from tests.done_means.support import tenant
from tests.activity.support import add_activity
from tests.helpers import add_member

PLURAL = {"company": "companies", "contact": "contacts", "lead": "leads"}


def _fill(org, kind: str, n: int, label: str) -> int:
    """A record of ``kind`` with n of everything its page shows, by several members: interactions,
    notes, open and done tasks, tags, timeline events; a company also has n contacts (half the
    activity logged on them) and n leads at it; a contact has n emails and phones."""
    with tenant(org) as s:
        users = s.scalars(sa.select(User.id).order_by(User.id)).all()
        record = {"company": lambda: Company(name=f"{label} Inc", owner_id=users[1]),
                  "contact": lambda: Contact(first_name=label, last_name="Person", owner_id=users[1]),
                  "lead": lambda: Lead(first_name=label, last_name="Lead", owner_id=users[1])}[kind]()
        s.add(record)
        s.flush()
        contacts = []
        if kind == "company":
            contacts = [Contact(first_name=f"{label}{i}", last_name="Staff", company_id=record.id, owner_id=users[i % 3])
                        for i in range(n)]
            s.add_all(contacts + [Lead(first_name=f"{label}{i}", company_name=record.name, owner_id=users[i % 3])
                                  for i in range(n)])
            s.flush()
        if kind == "contact":
            s.add_all([ContactEmail(contact_id=record.id, email=f"{label.lower()}{i}@example.com", is_primary=i == 0)
                       for i in range(n)])
            s.add_all([ContactPhone(contact_id=record.id, number=f"+1415555{i:04d}", is_primary=i == 0) for i in range(n)])
        add_activity(s, kind, record.id, n, users, contacts, label)
        s.commit()
        return record.id


def _statements(client, url: str, headers=None) -> int:
    with counted() as statements:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


@pytest.fixture
def members(org_a):
    add_member(org_a, "extra@acme.example", "Sales Rep")


@pytest.mark.parametrize("kind", ["company", "contact", "lead"])
def test_a_record_page_costs_the_same_queries_with_1_or_30_of_everything(admin_a, org_a, members, kind):
    one, thirty = _fill(org_a, kind, 1, "One"), _fill(org_a, kind, 30, "Thirty")
    plural = PLURAL[kind]
    page = f"/acme/{plural}/{{}}"
    assert "Call 29" in admin_a.get(page.format(thirty)).get_data(as_text=True), "the page shows the activity"
    assert _statements(admin_a, page.format(one)) == _statements(admin_a, page.format(thirty))
    details = f"/acme/{plural}/{{}}/details"
    assert _statements(admin_a, details.format(one), HX) == _statements(admin_a, details.format(thirty), HX)


@pytest.mark.parametrize("kind", ["company", "contact", "lead"])
def test_the_timeline_and_the_activity_panel_cost_the_same_queries_with_1_or_30_items(admin_a, org_a, members, kind):
    one, thirty = _fill(org_a, kind, 1, "One"), _fill(org_a, kind, 30, "Thirty")
    for action in ("timeline", "activity"):
        url = f"/acme/activity/{PLURAL[kind]}/{{}}/{action}"
        for headers in ({}, HX):
            assert _statements(admin_a, url.format(one), headers) == _statements(admin_a, url.format(thirty), headers), \
                (action, headers)


def test_my_tasks_costs_the_same_queries_for_1_or_30_tasks_on_different_records(admin_a, org_a, members):
    with tenant(org_a) as s:
        admin = s.scalar(sa.select(User.id).where(User.email == "admin@acme.example"))

    def add_tasks(start: int, n: int) -> None:
        with tenant(org_a) as s:
            for i in range(start, start + n):
                company = Company(name=f"Task company {i}")
                lead = Lead(first_name=f"Task lead {i}")
                s.add_all([company, lead])
                s.flush()
                contact = Contact(first_name=f"Task contact {i}", company_id=company.id)
                s.add(contact)
                s.flush()
                link = [{"company_id": company.id}, {"contact_id": contact.id}, {"lead_id": lead.id}][i % 3]
                due = clock.now().date() + timedelta(days=(i % 3) - 1)   # overdue, today, upcoming
                s.add(Task(title=f"Mine {i}", assignee_id=admin, due_on=due, **link))
            s.commit()

    add_tasks(0, 3)
    few = _statements(admin_a, "/acme/activity/tasks/mine")
    few_fragment = _statements(admin_a, "/acme/activity/tasks/mine", HX)
    add_tasks(3, 30)
    page = admin_a.get("/acme/activity/tasks/mine").get_data(as_text=True)
    assert "Mine 32" in page
    assert _statements(admin_a, "/acme/activity/tasks/mine") == few
    assert _statements(admin_a, "/acme/activity/tasks/mine", HX) == few_fragment


def test_the_global_search_dropdown_costs_the_same_queries_for_1_or_many_hits(admin_a, org_a):
    def add(start: int, n: int) -> None:
        with tenant(org_a) as s:
            for i in range(start, start + n):
                company = Company(name=f"Zephyr {i}", domain=f"zephyr{i}.example", industry="Wind")
                s.add_all([company, Lead(first_name="Zephyr", last_name=f"Lead {i}", company_name=f"Zephyr {i}")])
                s.flush()
                s.add(Contact(first_name="Zephyr", last_name=f"Contact {i}", company_id=company.id,
                              email=f"c{i}@zephyr.example"))
            s.commit()

    dropdown = {"HX-Request": "true", "HX-Target": "global-search-results"}
    add(0, 1)
    one = _statements(admin_a, "/acme/search?q=zephyr", dropdown)
    add(1, 20)
    assert "Zephyr 1" in admin_a.get("/acme/search?q=zephyr", headers=dropdown).get_data(as_text=True)
    assert _statements(admin_a, "/acme/search?q=zephyr", dropdown) == one
