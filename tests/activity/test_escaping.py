"""Hostile text in every activity field comes back as text, never as markup or htmx attributes."""

from html.parser import HTMLParser

import pytest

from crm.models import Contact
from crm.models import Interaction
from crm.models import Note
from crm.models import Tag
from crm.models import Task
from tests.activity.support import HX
from tests.activity.support import rows
from tests.activity.support import tenant
from tests.activity.support import url
from tests.activity.support import user_id

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)' x='",
    '<a href="javascript:alert(1)">go</a>',
    '<div hx-get="/evil" hx-trigger="load">x</div>',
    "</textarea><b>broken",
    "{{ 7*7 }} {% raw %}",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_no_injection(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.found:
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs  # only the app's own scripts
        assert tag not in ("img", "b"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("x",), (tag, name)
            assert not (value or "").lower().startswith("javascript:"), (tag, name, value)
            if name.startswith("hx-") and name != "hx-confirm":  # hx-confirm is text for window.confirm
                assert "/evil" not in (value or "") and value != "load", (tag, name, value)
        if tag == "a":
            assert attrs.get("href", "").startswith(("/", "#")), attrs


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_shown_as_text_everywhere(admin_a, org_a, recs, text):
    me = user_id("admin@acme.example")
    with tenant(org_a) as s:
        s.get(Contact, recs.contact).first_name = text
        s.add_all([
            Interaction(kind="call", subject=text, body=text, outcome=text, next_step=text, contact_id=recs.contact,
                        company_id=recs.company, user_id=me),
            Note(body=text, contact_id=recs.contact, company_id=recs.company, author_id=me),
            Task(title=text, contact_id=recs.contact, company_id=recs.company, assignee_id=me),
        ])
        s.commit()
    tag_name = text[:50]
    response = admin_a.post("/acme/activity/tags", data={"name": tag_name, "category": text[:50]}, headers=HX)
    assert response.status_code == 200
    [tag] = rows(org_a, Tag)
    admin_a.post(url("contact", recs.contact, "tags"), data={"tag_id": tag["id"]}, headers=HX)
    admin_a.post(url("company", recs.company, "notes"), data={"body": text}, headers=HX)
    pages = [
        admin_a.get(url("company", recs.company, "activity")),
        admin_a.get(url("contact", recs.contact, "activity")),
        admin_a.get(url("company", recs.company, "timeline"), headers=HX),
        admin_a.get("/acme/activity/tasks/mine"),
        admin_a.get("/acme/activity/tags"),
        admin_a.post(url("contact", recs.contact, "interactions"), data={"kind": "call", "subject": text, "body": text,
                                                                          "outcome": "x" * 201}, headers=HX),
        admin_a.post(url("contact", recs.contact, "tasks"), data={"title": text, "due_on": text}, headers=HX),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert_no_injection(html)
        if text.startswith("{{"):
            assert "{{ 7*7 }}" in html, "shown literally, not evaluated"
    assert response.status_code == 422  # the refusals echo what was typed, escaped
