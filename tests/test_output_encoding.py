"""Output encoding: hostile text stored in every text field never comes back as markup.

The hostile strings go straight into the database through the ORM (no form validation in
the way), in every text field of every kind of record, within each column's length. Then
every GET route of the app is fetched with the organization's real ids, as a page and as
the htmx fragments its pages ask for, and every link the pages offer is followed; each
response is parsed (lxml, whose HTML5 tokenizer splits tags, attributes and raw-text
elements as browsers do, at a fifth of html5lib's cost) and must hold no injected script, event
handler, ``javascript:`` URL, foreign htmx attribute or broken-markup element. The hostile
text must also show up, as text, so that the test would notice if nothing were rendered.

A second test types the same strings into every form those pages offer and checks what
comes back (saved records, 422 fragments that echo the input).

New routes are covered without changing this file: the walk reads ``app.url_map``. Routes
that answer 404 (a feature still being built) are skipped.
"""

import json
import re
from collections import deque
from urllib.parse import unquote
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import current_app
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import AuditEntry
from crm.models import Company
from crm.models import CompanyTag
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import Invitation
from crm.models import Lead
from crm.models import LeadTag
from crm.models import Membership
from crm.models import Note
from crm.models import Notification
from crm.models import Organization
from crm.models import PipelineStage
from crm.models import Role
from crm.models import SavedView
from crm.models import Tag
from crm.models import Task
from crm.models import User
from tenants.context import org_context
from tests.helpers import form_fields
from tests.test_isolation_routes import RECORD_PARAMS

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    '<a hx-get="/x" hx-trigger="load">x</a>',
    "hx-post=/admin",
    "{{7*7}}",
    "</textarea><svg onload=alert(1)>",
    "<div <p>",
]
# What must never appear in an htmx attribute that is not a URL of the app or a plain text.
MARKERS = ("alert", "/x", "onerror", "onload", "onmouseover", "javascript:", "<", ">", "{{", "hx-")
URL_ATTRIBUTES = ("hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url")
TEXT_ATTRIBUTES = ("hx-confirm", "hx-prompt")           # shown by the browser as text, never parsed
JSON_ATTRIBUTES = ("hx-vals", "hx-headers")
LINK_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "xlink:href", "background", "ping")
ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_.:-]*$")
STRING_PARAMS = ("companies", "contacts", "leads", "company", "contact", "lead")
MAX_REQUESTS = 900
PER_ENDPOINT = 4       # followed links per route and kind of request: enough variety, a bounded walk


def hostile(length: int, start: int = 0) -> str:
    """The hostile strings one after the other, starting with a different one per field."""
    rotated = PAYLOADS[start % len(PAYLOADS):] + PAYLOADS[:start % len(PAYLOADS)]
    return " ".join(rotated)[:length]


def _store_hostile_records(org: Organization) -> dict:
    """Hostile text in every text field of every kind of record; returns ids per model."""
    n = iter(range(1000))
    org.name = hostile(120, next(n))
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@acme.example"))
    member = db.session.scalar(sa.select(User).where(User.email == "sales.rep@acme.example"))
    admin.name, member.name = hostile(120, next(n)), hostile(120, next(n))
    db.session.commit()
    with org_context(org.id):
        role = Role(name=hostile(60, next(n)), permissions=["dashboard.view", "companies.view"])
        stage = PipelineStage(name=hostile(60, next(n)), position=99, probability=50)
        tag = Tag(name=hostile(50, next(n)), category=hostile(50, next(n)))
        company = Company(**{f: hostile(length, next(n)) for f, length in (
            ("name", 200), ("domain", 253), ("industry", 100), ("street", 200), ("city", 100), ("region", 100),
            ("postal_code", 20), ("country", 100))}, custom_fields={"note": hostile(200, next(n))}, owner_id=member.id)
        db.session.add_all([role, stage, tag, company])
        db.session.flush()
        contacts = [Contact(first_name=hostile(100, next(n)), last_name=hostile(100, next(n)), title=hostile(120, next(n)),
                            company_id=company.id, email=f"hostile{i}@acme.example", phone=f"+1415555010{i}",
                            owner_id=member.id) for i in range(2)]
        leads = [Lead(first_name=hostile(100, next(n)), last_name=hostile(100, next(n)), company_name=company.name,
                      title=hostile(120, next(n)), email=f"lead{i}@acme.example", phone=f"+1312555010{i}",
                      custom_fields={"note": hostile(200, next(n))}, owner_id=member.id) for i in range(2)]
        db.session.add_all([*contacts, *leads])
        db.session.flush()
        membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == member.id))
        membership.role_id = role.id
        rows = [ContactEmail(contact_id=c.id, email=c.email, is_primary=True) for c in contacts]
        rows += [ContactPhone(contact_id=c.id, number=c.phone, is_primary=True) for c in contacts]
        rows += [CompanyTag(company_id=company.id, tag_id=tag.id), LeadTag(lead_id=leads[0].id, tag_id=tag.id),
                 *(ContactTag(contact_id=c.id, tag_id=tag.id) for c in contacts)]
        links = [{"company_id": company.id}, {"contact_id": contacts[0].id, "company_id": company.id},
                 {"lead_id": leads[0].id}]
        for link in links:
            rows.append(Interaction(kind="call", subject=hostile(200, next(n)), body=hostile(2000, next(n)),
                                    outcome=hostile(200, next(n)), next_step=hostile(200, next(n)), user_id=admin.id,
                                    occurred_at=clock.now(), **link))
            rows += [Note(body=hostile(2000, next(n)), pinned=pinned, author_id=admin.id, **link) for pinned in (True, False)]
            rows.append(Task(title=hostile(200, next(n)), due_on=clock.now().date(), assignee_id=admin.id, **link))
            rows.append(ActivityEvent(kind="updated", summary=hostile(300, next(n)), actor_id=admin.id,
                                      data={"fields": [hostile(60, next(n))]}, **link))
        rows += [SavedView(owner_id=admin.id, entity=entity, name=hostile(80, next(n)), shared=True,
                           query=f"q={hostile(200, next(n))}&sort={hostile(40, next(n))}")
                 for entity in ("companies", "contacts", "leads")]
        rows.append(AuditEntry(actor_id=admin.id, action="role.created", target_type="role", target_id=role.id,
                               summary=hostile(300, next(n)), before={"name": hostile(100, next(n))},
                               after={"name": hostile(100, next(n))}))
        rows.append(Notification(user_id=admin.id, kind="mention", message=hostile(300, next(n)),
                                 link=f"/{org.slug}/companies/{company.id}", dedupe_key="hostile"))
        rows.append(Invitation(email="invitee@acme.example", role_id=role.id, invited_by_id=admin.id, nonce="hostile",
                               expires_at=clock.now().replace(year=clock.now().year + 1)))
        db.session.add_all(rows)
        db.session.commit()
        ids = {}
        for param, model in RECORD_PARAMS.items():
            if model is Membership:
                ids[param] = membership.id
            else:
                ids[param] = db.session.scalar(sa.select(model.id).order_by(model.id.desc()).limit(1))
        ids["_other"] = {"contacts": contacts[1].id, "leads": leads[1].id}
        return ids


class Walk:
    """Fetch, parse and check; remembers what it found."""

    def __init__(self, client, slug: str):
        self.client, self.slug = client, slug
        self.adapter = current_app.url_map.bind("localhost")
        self.problems: list[str] = []
        self.skipped: list[str] = []
        self.checked: list[str] = []
        self.seen_payloads: set[str] = set()
        self.done: set[tuple] = set()
        self.followed: dict[tuple, int] = {}
        self.forms: dict[tuple, tuple] = {}

    def endpoint(self, url: str, method: str = "GET") -> str | None:
        try:
            return self.adapter.match(urlsplit(url).path, method=method)[0]
        except HTTPException:
            return None

    def worth_following(self, url: str, headers: dict | None) -> bool:
        """At most PER_ENDPOINT links per route and HX-Target, so the walk stays bounded."""
        key = (self.endpoint(url), (headers or {}).get("HX-Request"), (headers or {}).get("HX-Target"))
        self.followed[key] = self.followed.get(key, 0) + 1
        return self.followed[key] <= PER_ENDPOINT

    # Fetching

    def fetch(self, method: str, url: str, headers: dict | None = None, data=None):
        key = (method, url, tuple(sorted((headers or {}).items())), json.dumps(data, sort_keys=True) if data else None)
        if key in self.done or len(self.done) >= MAX_REQUESTS:
            return None
        self.done.add(key)
        label = f"{method} {url if len(url) <= 100 else url[:97] + '...'} {headers or ''}"
        try:
            response = self.client.open(url, method=method, headers=headers or {}, data=data)
        except TemplateNotFound as missing:   # a sibling feature's template, not written yet
            self.skipped.append(f"{label}: template {missing.name} missing")
            return None
        except Exception as error:  # noqa: BLE001 - every failure is reported with its URL
            self.problems.append(f"{label}: raised {error!r}")
            return None
        if response.status_code == 404:
            self.skipped.append(f"{label}: 404")
            return None
        if response.status_code >= 500:
            self.problems.append(f"{label}: answered {response.status_code}")
            return None
        if not response.mimetype == "text/html":
            return None
        soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
        self.check(label, soup)
        self.checked.append(label)
        return soup

    # Checking

    def check(self, label: str, soup: BeautifulSoup) -> None:
        text = soup.get_text(" ")
        self.seen_payloads.update(p for p in PAYLOADS if p in text)
        for element in soup.find_all(True):
            if element.name == "script" and (element.get_text().strip() or not element.get("src", "").startswith("/static/")):
                self.problems.append(f"{label}: a script that is not the app's own: {str(element)[:120]}")
            if element.name in ("iframe", "object", "embed", "base", "frame", "frameset"):
                self.problems.append(f"{label}: an injected <{element.name}>")
            if element.name == "meta" and element.get("http-equiv"):
                self.problems.append(f"{label}: a <meta http-equiv>: {str(element)[:120]}")
            for name, value in element.attrs.items():
                value = " ".join(value) if isinstance(value, list) else str(value)
                self.check_attribute(label, element, name, value)

    def check_attribute(self, label: str, element, name: str, value: str) -> None:
        where = f"{label}: <{element.name} {name}=\"{value[:100]}\">"
        if not ATTRIBUTE_NAME.match(name):
            self.problems.append(f"{where}: an attribute name from broken markup")
        if name.startswith("on"):
            self.problems.append(f"{where}: an event handler attribute")
        if name in LINK_ATTRIBUTES:
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"{where}: a script URL")
        htmx_name = name.removeprefix("data-")
        if not htmx_name.startswith("hx-"):
            return
        if htmx_name.startswith("hx-on"):
            self.problems.append(f"{where}: an hx-on attribute (the app writes none)")
        elif htmx_name in URL_ATTRIBUTES:
            self.check_app_url(where, htmx_name, value)
        elif htmx_name in JSON_ATTRIBUTES:
            try:
                assert isinstance(json.loads(value), dict)
            except (ValueError, AssertionError):
                self.problems.append(f"{where}: not a JSON object")
        elif htmx_name not in TEXT_ATTRIBUTES and any(m in value for m in MARKERS):
            self.problems.append(f"{where}: hostile text in an htmx attribute")

    def check_app_url(self, where: str, name: str, value: str) -> None:
        """An htmx request goes to one of the app's own routes; user text only in the query."""
        if name in ("hx-push-url", "hx-replace-url") and value in ("true", "false"):
            return
        parts = urlsplit(value)
        path = unquote(parts.path)
        if parts.scheme or parts.netloc or not path.startswith("/") or any(m in path for m in MARKERS):
            self.problems.append(f"{where}: not a URL of the app")
            return
        method = {"hx-post": "POST", "hx-put": "PUT", "hx-patch": "PATCH", "hx-delete": "DELETE"}.get(name, "GET")
        try:
            self.adapter.match(parts.path, method=method)
        except RequestRedirect:
            self.problems.append(f"{where}: redirects, not a route the templates write")
        except HTTPException:
            self.problems.append(f"{where}: no such route")


def _fill(rule, slug: str, ids: dict) -> list[str]:
    """URLs for a rule: real ids for record parameters, each plausible value for a string one."""
    urls = [rule.rule]
    for argument in rule.arguments:
        pattern = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + argument + r">")
        if argument == "org_slug":
            values = [slug]
        elif argument in ids:
            values = [str(ids[argument])]
        elif argument == "token":
            values = ["not-a-real-token"]
        else:
            values = list(STRING_PARAMS)
        urls = [pattern.sub(v, u) for u in urls for v in values]
    return urls


def _hostile_query(path: str, ids: dict) -> str:
    params = {name: hostile(120, i) for i, name in enumerate(
        ("q", "sort", "status", "source", "owner", "tag", "lifecycle_stage", "segment", "company_q", "after", "before",
         "per_page", "next", "kind", "action", "actor", "from", "to", "page", "when", "filter"))}
    for plural, other in ids["_other"].items():
        if f"/{plural}/" in path:
            params["other_id"] = other
    return f"{path}?{urlencode(params)}"


def _target_of(element) -> str | None:
    """The id htmx would send as HX-Target for a request from this element."""
    holder = element if element.has_attr("hx-target") else element.find_parent(attrs={"hx-target": True})
    target = holder["hx-target"] if holder is not None else "this"
    if target == "this":
        return (holder or element).get("id")
    return target[1:] if target.startswith("#") else None


def _follow(walk: Walk, soup, queue: deque) -> None:
    """Queue the app's links and htmx GETs on a page, and note its forms."""
    prefix = f"/{walk.slug}/"
    for a in soup.find_all("a", href=True):
        href = a["href"]
        if href.startswith(prefix) and not href.split("?")[0].endswith(".csv") and walk.worth_following(href, None):
            queue.append(("GET", href, None, None))
    for element in soup.find_all(attrs={"hx-get": True}):
        headers = {"HX-Request": "true"}
        target = _target_of(element)
        if target:
            headers["HX-Target"] = target
        url = element["hx-get"]
        if url.startswith(prefix) and walk.worth_following(url, headers):
            queue.append(("GET", url, headers, None))
    for form in soup.find_all("form"):
        action = form.get("hx-post") or form.get("action") or ""
        if (form.get("method") or "get").lower() == "post" and action.startswith(prefix):
            fields = _form_fields(form)
            if fields is not None:   # one form of each kind: a stage's form stands for every stage's
                walk.forms.setdefault((walk.endpoint(action, "POST"), tuple(sorted(fields))), (action, form, fields))


def _form_fields(form) -> dict | None:
    """The form with hostile text in every field a person types into; None if there is none."""
    def hostile_value(control, i):
        maxlength = int(control["maxlength"]) if str(control.get("maxlength", "")).isdigit() else 400
        return hostile(max(maxlength, 40), i)

    fields, typed = form_fields(form, hostile_value)
    return fields if typed else None


def _walk(app, client, org, ids, hostile_queries: bool = True) -> Walk:
    """Every GET rule (as a page, as an htmx request, with hostile query values), then every
    link and htmx GET the answers offer."""
    walk = Walk(client, org.slug)
    queue: deque = deque()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "favicon"):
            continue
        for url in _fill(rule, org.slug, ids):
            queue.append(("GET", url, None, None))
            queue.append(("GET", url, {"HX-Request": "true"}, None))
            if hostile_queries:
                queue.append(("GET", _hostile_query(url, ids), None, None))
    while queue:
        method, url, headers, data = queue.popleft()
        soup = walk.fetch(method, url, headers, data)
        if soup is not None:
            _follow(walk, soup, queue)
    return walk


def _report(walk: Walk) -> str:
    return "\n".join(walk.problems[:40]) + (f"\n... and {len(walk.problems) - 40} more" if len(walk.problems) > 40 else "")


@pytest.fixture
def hostile_org(app, org_a):
    return _store_hostile_records(db.session.get(Organization, org_a.id))


def test_hostile_text_in_every_field_never_comes_back_as_markup(app, client, org_a, hostile_org):
    assert client.login("admin@acme.example").status_code == 302
    walk = _walk(app, client, org_a, hostile_org)
    assert not walk.problems, _report(walk)
    # The walk reached the pages that show these records, and the text was there, escaped.
    assert len(walk.checked) > 60, walk.checked
    for must in (f"GET /acme/companies/{hostile_org['company_id']} ", "GET /acme/companies/ ", "GET /acme/admin/roles ",
                 "GET /acme/admin/audit ", "GET /orgs "):
        assert any(label.startswith(must) for label in walk.checked), must
    assert walk.seen_payloads == set(PAYLOADS), set(PAYLOADS) - walk.seen_payloads


def test_hostile_text_typed_into_every_form_comes_back_as_text(app, client, org_a, hostile_org):
    assert client.login("admin@acme.example").status_code == 302
    walk = _walk(app, client, org_a, hostile_org, hostile_queries=False)
    assert walk.forms
    posted = 0
    for action, form, fields in list(walk.forms.values()):
        headers = {"HX-Request": "true"}
        target = _target_of(form) if form.get("hx-post") else None
        if target:
            headers["HX-Target"] = target
        for extra in ({}, headers):
            if walk.fetch("POST", action, extra or None, fields) is not None:
                posted += 1
    assert not walk.problems, _report(walk)
    assert posted >= 5
