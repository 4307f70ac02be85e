"""Bad input on the customer-record pages, beyond what each area's tests send: characters
that cannot be stored, over-long fields the area tests leave out, and a page link that
points past the end of a list. A clear message or a sane default, never a 500."""

import base64
import json

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.models import Company
from crm.models import Interaction
from crm.models import Note
from crm.models import SavedView
from crm.models import Tag
from crm.models import Task
from tests.done_means.support import ENTITIES
from tests.done_means.support import HX
from tests.done_means.support import RESULTS
from tests.done_means.support import count
from tests.done_means.support import make_records
from tests.done_means.support import tenant
from tests.helpers import form_fields
from tests.helpers import text_of
from tests.test_isolation_routes import _records
from tests.test_output_encoding import _walk

# What a person's keyboard never types, and PostgreSQL cannot store in a text column.
NUL = "Ac\x00me"
# Plain values for the fields a form leaves empty, so that the field under test is the only bad one.
PLAIN = {"email": "plain@example.com", "tel": "+14155550123", "date": "2030-01-02", "datetime-local": "2030-01-02T10:00",
         "number": "5", "url": "https://example.com"}
OWN_PAGES = ("/acme/companies", "/acme/contacts", "/acme/leads", "/acme/activity", "/acme/views", "/acme/search")


def _typed_fields(form) -> tuple[dict, list[str]]:
    """The form as the browser would send it, plain values in empty typed fields; and the typed names."""
    def plain(control, i):
        value = control.get_text() if control.name == "textarea" else control.get("value", "")
        return value or PLAIN.get((control.get("type") or "text").lower(), "Plain")

    return form_fields(form, plain)


def _record_forms(app, client, org) -> dict:
    """One form of each kind that the customer-record pages offer (found by walking them)."""
    walk = _walk(app, client, org, _records(org), hostile_queries=False)
    assert not walk.problems, walk.problems[:5]
    forms = {}
    for key, (action, form, _hostile) in walk.forms.items():
        if action.startswith(OWN_PAGES):
            forms[key] = (action, form)
    return forms


def test_a_nul_byte_in_any_field_of_any_record_form_is_refused_never_a_500(app, admin_a, org_a):
    forms = _record_forms(app, admin_a, org_a)
    kinds = {action.split("/")[2] for action, _ in forms.values()}
    assert {"companies", "contacts", "leads", "activity", "views"} <= kinds, kinds
    failures, tried = [], 0
    for action, form in forms.values():
        fields, typed = _typed_fields(form)
        for name in typed:
            for headers in ({}, HX):
                response = admin_a.post(action, data={**fields, name: NUL}, headers=headers)
                tried += 1
                if response.status_code >= 500:
                    failures.append(f"POST {action} {name}=NUL {headers}: {response.status_code}")
    assert tried >= 40
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("url, data, message", [
    ("/acme/companies/", {"name": NUL, "lifecycle_stage": "lead"}, "There is a control character in the company name"),
    ("/acme/companies/", {"name": "Acme", "city": "Ber\x07lin", "lifecycle_stage": "lead"},
     "There is a control character in the city"),
    ("/acme/contacts/", {"first_name": "Ada", "last_name": NUL}, "There is a control character in the last name"),
    ("/acme/leads/", {"last_name": "Lead", "title": NUL, "status": "new"}, "There is a control character in the title"),
    ("/acme/activity/tags", {"name": NUL}, "There is a control character in the tag name"),
    ("/acme/activity/tags", {"name": "Fine", "category": NUL}, "There is a control character in the category"),
])
def test_a_control_character_is_a_clear_message_and_nothing_is_written(admin_a, org_a, url, data, message):
    for headers in ({}, HX):
        response = admin_a.post(url, data=data, headers=headers)
        assert response.status_code == 422, (headers, response.status_code)
        assert message in text_of(response)
    assert count(org_a, Company) == count(org_a, Tag) == 0


def test_activity_text_with_a_control_character_is_refused_with_a_message(admin_a, org_a):
    ids = make_records(org_a, "Plain")
    base = f"/acme/activity/companies/{ids['companies']}"
    before = {model: count(org_a, model) for model in (Interaction, Note, Task)}
    refusals = [
        (f"{base}/interactions", {"kind": "call", "subject": NUL}, "There is a control character in the subject"),
        (f"{base}/interactions", {"kind": "call", "subject": "Call", "body": "Line\x00"},
         "There is a control character in the details"),
        (f"{base}/notes", {"body": NUL}, "There is a control character in the note"),
        (f"{base}/tasks", {"title": NUL}, "There is a control character in the task title"),
        (f"/acme/activity/notes/{ids['note']}", {"body": NUL}, "There is a control character in the note"),
        (f"/acme/activity/tasks/{ids['task']}", {"title": NUL}, "There is a control character in the task title"),
    ]
    for url, data, message in refusals:
        response = admin_a.post(url, data=data, headers=HX)
        assert response.status_code == 422 and message in text_of(response), url
    assert {model: count(org_a, model) for model in (Interaction, Note, Task)} == before
    # Tabs and line breaks are text, not control characters to refuse.
    kept = admin_a.post(f"{base}/notes", data={"body": "First line\r\n\tindented"}, headers=HX)
    assert kept.status_code == 200 and count(org_a, Note) == before[Note] + 1


def test_a_saved_view_name_with_a_control_character_is_refused(admin_a, org_a):
    headers = {"HX-Request": "true", "HX-Target": "saved-views"}
    response = admin_a.post("/acme/views", data={"entity": "companies", "name": NUL}, headers=headers)
    assert response.status_code == 422 and "There is a control character in the view" in text_of(response)
    admin_a.post("/acme/views", data={"entity": "companies", "name": "Mine"})
    [view_id] = _view_ids(org_a)
    renamed = admin_a.post(f"/acme/views/{view_id}/rename", data={"name": NUL}, headers=headers)
    assert renamed.status_code == 422 and "There is a control character in the view" in text_of(renamed)
    assert count(org_a, SavedView, name="Mine") == 1


def _view_ids(org) -> list[int]:
    with tenant(org) as s:
        return s.scalars(sa.select(SavedView.id)).all()


@pytest.mark.parametrize("field, length, message", [
    ("domain", 254, "253 characters or fewer"),
    ("industry", 101, "100 characters or fewer"),
    ("street", 201, "200 characters or fewer"),
    ("city", 101, "100 characters or fewer"),
    ("region", 101, "100 characters or fewer"),
    ("country", 101, "100 characters or fewer"),
])
def test_every_over_long_company_field_is_refused_with_its_limit(admin_a, org_a, field, length, message):
    value = ("a" * (length - 4) + ".com") if field == "domain" else "x" * length
    response = admin_a.post("/acme/companies/", data={"name": "Long", "lifecycle_stage": "lead", field: value})
    assert response.status_code == 422 and message in text_of(response)
    assert count(org_a, Company) == 0


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


PAST_THE_END = {
    "companies": "sort=name&after=" + _cursor(["\uffff", 2**53]),
    "contacts": "sort=name&after=" + _cursor(["\uffff", 2**53]),
    "leads": "sort=-created_at&after=" + _cursor(["1901-01-01T00:00:00+00:00", 1]),
}


@pytest.mark.parametrize("entity", ENTITIES)
def test_a_page_link_past_the_end_of_the_list_shows_the_first_page_with_a_notice(admin_a, org_a, entity):
    make_records(org_a, "Only")
    for headers in ({}, RESULTS):
        response = admin_a.get(f"/acme/{entity}/?{PAST_THE_END[entity]}", headers=headers)
        assert response.status_code == 200, headers
        soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
        assert soup.select(f"tbody tr a[href^='/acme/{entity}/']"), "the first page's record is shown"
        assert "past the end of the list; showing the first page" in text_of(response)
        assert "match yet" not in text_of(response)
    # A page number (the lists page by cursor) is ignored, whatever it is.
    for page in ("99999", "-1", "x" * 300):
        assert admin_a.get(f"/acme/{entity}/?page={page}").status_code == 200
