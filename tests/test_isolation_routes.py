"""Every URL of the app, walked: public, or behind a login and a membership of the URL's org.

A new route must either join PUBLIC below or be guarded; a new URL parameter must be
added to RECORD_PARAMS so that its cross-organization 404 is tested. Both fail loudly.
"""

import re

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import AssignmentRule
from crm.models import AuditEntry
from crm.models import BackgroundJob
from crm.models import Company
from crm.models import Contact
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadImport
from crm.models import Note
from crm.models import Notification
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.models import Product
from crm.models import Organization
from crm.models import SavedView
from crm.models import Tag
from crm.models import Task
from crm.models import Invitation
from crm.models import Membership
from crm.models import PipelineStage
from crm.models import Role
from crm.services.invitations import invite
from tenants.context import get_org_id
from tenants.context import org_context
from tests.helpers import fresh_app_context
from tests.helpers import make_user

# The digest's unsubscribe link works without signing in (people read email on other devices):
# its token is signed with SECRET_KEY and names one organization and member, an unsigned or
# changed one answers 400, and all it can do is switch that member's digest off (after a
# confirming POST with a CSRF token, so a mail scanner opening the link changes nothing).
PUBLIC = {"static", "favicon", "auth.index", "auth.login", "auth.signup", "auth.logout", "auth.invitation_accept",
          "unsubscribe.digest_unsubscribe", "unsubscribe.digest_unsubscribe_confirm"}
LOGIN_ONLY = {"auth.organizations"}
RECORD_PARAMS = {
    "member_id": Membership, "invitation_id": Invitation, "role_id": Role, "stage_id": PipelineStage,
    "company_id": Company, "contact_id": Contact, "lead_id": Lead, "interaction_id": Interaction, "note_id": Note,
    "task_id": Task, "tag_id": Tag, "view_id": SavedView, "opportunity_id": Opportunity, "product_id": Product,
    "line_item_id": OpportunityLineItem, "notification_id": Notification, "job_id": BackgroundJob,
    "import_id": LeadImport, "rule_id": AssignmentRule,
}
OTHER_PARAMS = {"org_slug", "token", "filename"}


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def _methods(rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


def _records(org) -> dict[str, int]:
    """One id per record type of this organization, making an invitation if there is none."""
    from flask import current_app
    from flask_login import login_user

    app = current_app._get_current_object()
    with fresh_app_context(), app.test_request_context(), org_context(org.id):
        admin = db.session.scalar(sa.select(Membership).join(Role, Role.id == Membership.role_id)
                                  .where(Role.is_administrator.is_(True))).user
        login_user(admin)
        if db.session.scalar(sa.select(Invitation.id)) is None:
            role = db.session.scalar(sa.select(Role).where(Role.name == "Sales Rep"))
            invite(org, f"walker@{org.slug}.example", role)
        if db.session.scalar(sa.select(Company.id)) is None:
            _make_customer_records(admin.id)
        if db.session.scalar(sa.select(AssignmentRule.id)) is None:
            db.session.add(AssignmentRule(name=f"Walk rule {org.slug}", min_score=0, max_score=100, target="owner",
                                          owner_id=admin.id, task_title="Walk follow-up", task_due_days=1))
            db.session.commit()
        ids = {name: db.session.scalar(sa.select(model.id).order_by(model.id.desc()).limit(1))
               for name, model in RECORD_PARAMS.items()}
        db.session.remove()
    return ids


def _make_customer_records(user_id: int) -> None:
    """One record of every customer-record kind, so that every route gets a real id."""
    org = db.session.get(Organization, get_org_id())
    company = Company(name=f"Walker {org.slug}")
    lead = Lead(first_name="Walk", last_name=org.slug, email=f"walk@{org.slug}.example")
    tag = Tag(name=f"walk-{org.slug}")
    db.session.add_all([company, lead, tag])
    db.session.flush()
    contact = Contact(first_name="Walk", last_name=org.slug, company_id=company.id)
    db.session.add(contact)
    db.session.flush()
    db.session.add_all([
        Interaction(kind="call", subject="Walk call", contact_id=contact.id, company_id=company.id),
        Note(body="Walk note", company_id=company.id), Task(title="Walk task", lead_id=lead.id),
        SavedView(owner_id=user_id, entity="leads", name="Walk view", query=""),
    ])
    stage = db.session.scalar(sa.select(PipelineStage).where(PipelineStage.kind == "open").order_by(PipelineStage.position))
    product = Product(name=f"Walk product {org.slug}", sku=f"WALK-{org.slug}", unit_price=100)
    opportunity = Opportunity(name=f"Walk deal {org.slug}", company_id=company.id, contact_id=contact.id,
                              stage_id=stage.id, value=100, owner_id=user_id)
    db.session.add_all([product, opportunity])
    db.session.flush()
    db.session.add_all([
        OpportunityLineItem(opportunity_id=opportunity.id, product_id=product.id, name=product.name, unit_price=100),
        Notification(user_id=user_id, kind="walk", message="Walk notification", dedupe_key=f"walk-{org.slug}"),
        BackgroundJob(kind="walk", func="tests.jobs.job_functions:record_tag", args=[f"walk-job-{org.slug}"],
                      status="failed", error="Walk failure"),
        LeadImport(file_name="walk.csv", size_bytes=24, encoding="utf-8", delimiter=",",
                   content=b"Email\r\nwalk@walk.example\r\n", content_length=24, header=["Email"], data_offset=7,
                   cursor_offset=7, total_rows=1, created_by_id=user_id),
    ])
    db.session.commit()


def _url(rule, slug: str, ids: dict[str, int]) -> str:
    def fill(match):
        name = match.group(2)
        if name == "org_slug":
            return slug
        if name in ids:
            return str(ids[name])
        return {"token": "x", "filename": "css/app.css"}[name]

    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", fill, rule.rule)


def test_every_url_parameter_is_known(app):
    unknown = {(r.endpoint, a) for r in _rules(app) for a in r.arguments if a not in set(RECORD_PARAMS) | OTHER_PARAMS}
    assert not unknown, f"add these parameters to RECORD_PARAMS (with their model) or OTHER_PARAMS: {unknown}"


def test_every_private_route_requires_a_login(app, client, org_a):
    ids = _records(org_a)
    for rule in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        for method in _methods(rule):
            response = client.open(_url(rule, org_a.slug, ids), method=method)
            assert response.status_code == 302 and "/login" in response.location, (rule.rule, method, response.status_code)


def test_every_org_route_needs_a_permission_or_is_the_login_only_list(app):
    for rule in _rules(app):
        if rule.endpoint in PUBLIC or rule.endpoint in LOGIN_ONLY:
            continue
        assert "org_slug" in rule.arguments, f"{rule.rule} is neither public, login-only nor under /<org_slug>/"
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_permission", None), f"{rule.endpoint} has no @require(permission)"


def test_public_routes_answer_without_a_login(app, client, org_a):
    for rule in _rules(app):
        if rule.endpoint in PUBLIC and "GET" in rule.methods:
            response = client.get(_url(rule, org_a.slug, {}))
            assert response.status_code < 500, rule.rule


def test_member_of_a_gets_404_for_every_url_of_b(app, admin_a, org_b):
    ids_b = _records(org_b)
    before = _audit_count(org_b)
    for rule in _rules(app):
        if "org_slug" not in rule.arguments:
            continue
        for method in _methods(rule):
            response = admin_a.open(_url(rule, org_b.slug, ids_b), method=method)
            assert response.status_code == 404, (rule.rule, method, response.status_code)
    assert _audit_count(org_b) == before


def test_every_record_of_b_is_404_under_as_slug(app, admin_a, org_a, org_b):
    ids_b = _records(org_b)
    before = _audit_count(org_b)
    checked = 0
    for rule in _rules(app):
        if "org_slug" not in rule.arguments or not set(rule.arguments) & set(RECORD_PARAMS):
            continue
        for method in _methods(rule):
            response = admin_a.open(_url(rule, org_a.slug, ids_b), method=method,
                                    data={"direction": "up", "role_id": ids_b["role_id"], "name": "x"})
            assert response.status_code == 404, (rule.rule, method, response.status_code)
            checked += 1
    assert checked >= 10
    assert _audit_count(org_b) == before


def test_an_unknown_organization_and_a_stranger_get_the_same_404(app, client, org_a):
    make_user("stranger@example.com")
    db.session.commit()
    client.login("stranger@example.com")
    assert client.get(f"/{org_a.slug}/").status_code == 404
    assert client.get("/no-such-org/").status_code == 404
    assert client.get(f"/{org_a.slug}/admin/members").status_code == 404


def _audit_count(org) -> int:
    with org_context(org.id):
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("token", [False, "not-a-real-token"])
def test_every_unsafe_route_refuses_a_missing_or_wrong_csrf_token(app, admin_a, org_a, token):
    ids = _records(org_a)
    before = _audit_count(org_a)
    checked = 0
    for rule in _rules(app):
        for method in _methods(rule):
            if method == "GET":
                continue
            response = admin_a.open(_url(rule, org_a.slug, ids), method=method, csrf=token,
                                    data={"direction": "up", "name": "x", "email": "csrf@example.com"})
            assert response.status_code == 400, (rule.rule, method, response.status_code)
            assert "Reload the page" in response.get_data(as_text=True) or "another site" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 15
    assert _audit_count(org_a) == before
    assert admin_a.get(f"/{org_a.slug}/admin/members").status_code == 200, "the session survived"
