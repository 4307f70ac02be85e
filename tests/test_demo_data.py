"""Demo data: a living CRM in one quick, repeatable, idempotent command."""

import random
import time
from datetime import timedelta

import phonenumbers
import sqlalchemy as sa
from email_validator import validate_email
from flask import current_app

from crm import clock
from crm.cli import DEMO_PASSWORD
from crm.cli import DEMO_SLUG
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import CompanyTag
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadTag
from crm.models import Membership
from crm.models import Note
from crm.models import Organization
from crm.models import Tag
from crm.models import Task
from crm.services import demo
from tenants.context import org_context


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_seeding_fills_the_organization_and_the_lists_render(app, admin_a, org_a, org_b):
    started = time.perf_counter()
    counts = demo.seed_demo_records(org_a.id)
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"seeding took {elapsed:.1f} s"
    assert counts["companies"] == 200 and counts["contacts"] == 500 and counts["leads"] == 1000
    assert counts["interactions"] == 1500 and counts["notes"] == 300 and counts["tasks"] == 200 and counts["tags"] == 8

    with org_context(org_a.id):
        assert _count(Company) == 200 and _count(Contact) == 500 and _count(Lead) == 1000
        assert _count(Interaction) == 1500 and _count(Note) == 300 and _count(Task) == 200 and _count(Tag) == 8
        assert _count(Contact, Contact.company_id.is_not(None)) > 350
        emails_per_contact = db.session.execute(
            sa.select(ContactEmail.contact_id, sa.func.count()).group_by(ContactEmail.contact_id)).all()
        assert len(emails_per_contact) == 500 and {n for _, n in emails_per_contact} == {1, 2}
        assert _count(ContactEmail, ContactEmail.is_primary.is_(True)) == 500
        assert _count(ContactPhone) == 500
        for number in db.session.scalars(sa.select(Contact.phone)).all() + db.session.scalars(
                sa.select(Lead.phone).where(Lead.phone.is_not(None))).all():
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed) and phonenumbers.format_number(
                parsed, phonenumbers.PhoneNumberFormat.E164) == number
        for address in db.session.scalars(sa.select(ContactEmail.email).limit(100)):
            assert validate_email(address, check_deliverability=False).normalized == address
            assert address.endswith(".example")
        assert {s for (s,) in db.session.execute(sa.select(Lead.status).distinct())} == {
            "new", "working", "qualified", "unqualified", "converted"}
        assert len(set(db.session.scalars(sa.select(Lead.source).distinct()))) >= 8
        assert len(set(db.session.scalars(sa.select(Lead.owner_id).distinct()))) >= 3
        assert 0 < _count(Note, Note.pinned.is_(True)) < 300
        today = clock.now().date()
        assert _count(Task, Task.due_on < today, Task.done_at.is_(None)) > 10       # overdue
        assert _count(Task, Task.due_on == today) > 5
        members = set(db.session.scalars(sa.select(Membership.user_id)))
        assert set(db.session.scalars(sa.select(Task.assignee_id).where(Task.assignee_id.is_not(None)))) <= members
        assert _count(CompanyTag) > 20 and _count(ContactTag) > 20 and _count(LeadTag) > 20
        # The timeline agrees with the records.
        assert _count(ActivityEvent, ActivityEvent.kind == "created") == 1700
        assert _count(ActivityEvent, ActivityEvent.kind == "interaction.logged") == 1500
        assert _count(ActivityEvent, ActivityEvent.kind == "note.added") == 300
        assert _count(ActivityEvent, ActivityEvent.kind == "task.added") == 200
        assert _count(ActivityEvent, ActivityEvent.kind == "tag.added") == _count(CompanyTag) + _count(ContactTag) + _count(LeadTag)
        contacted = db.session.execute(sa.select(Contact.id, Contact.last_contacted_at).where(
            Contact.last_contacted_at.is_not(None)).limit(20)).all()
        assert contacted
        for contact_id, last in contacted:
            latest = db.session.scalar(sa.select(sa.func.max(Interaction.occurred_at)).where(
                Interaction.contact_id == contact_id, Interaction.occurred_at <= clock.now()))
            assert clock.aware(latest) == clock.aware(last)
        company_id = db.session.scalar(sa.select(Contact.company_id).where(Contact.company_id.is_not(None)).limit(1))
    with org_context(org_b.id):
        assert _count(Company) == 0 and _count(Lead) == 0

    # Idempotent: the organization has companies now, so nothing more is added.
    assert demo.seed_demo_records(org_a.id) is None
    with org_context(org_a.id):
        assert _count(Company) == 200

    page = admin_a.get("/acme/companies/")
    assert page.status_code == 200 and "200 companies" in page.get_data(as_text=True)
    assert admin_a.get(f"/acme/companies/{company_id}").status_code == 200
    for endpoint, total in (("contacts.contacts_list", "500 contacts"), ("leads.leads_list", "1,000 leads")):
        if endpoint in current_app.view_functions:
            page = admin_a.get(f"/acme/{endpoint.split('.')[0]}/")
            assert page.status_code == 200 and total in page.get_data(as_text=True), endpoint
    search = admin_a.get("/acme/search?q=a", headers={"HX-Request": "true", "HX-Target": "global-search-results"})
    assert search.status_code == 200 and search.get_data(as_text=True).count("<li>") == 15


def test_the_same_seed_builds_the_same_records(app):
    def names():
        now = clock.now()
        build = demo._Builder(random.Random(demo.SEED), [(1, [], True)], now, now.date())
        companies = build.companies(20)
        return [(c.name, c.domain, c.city, c.postal_code) for c in companies], [lead.email for lead in build.leads(20, companies)]

    assert names() == names()


def test_seed_demo_command_creates_the_organization_with_records(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Added demo records: 200 companies, 500 contacts, 1,000 leads" in result.output
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == DEMO_SLUG))
    with org_context(org.id):
        assert _count(Company) == 200
        assert _count(Task, Task.due_on <= clock.now().date() + timedelta(days=30)) > 100
    again = runner.invoke(args=["crm", "seed-demo"])
    assert again.exit_code == 0 and "Added demo records" not in again.output
    with org_context(org.id):
        assert _count(Company) == 200
    assert client.login("sales.rep@demo.example", DEMO_PASSWORD).status_code == 302
    assert client.get(f"/{DEMO_SLUG}/companies/").status_code == 200


def test_the_demo_pipeline_has_deals_in_every_stage_with_their_history(app, admin_a, org_a):
    from decimal import Decimal

    from crm.models import Opportunity
    from crm.models import OpportunityLineItem
    from crm.models import OpportunityStageChange
    from crm.models import PipelineStage
    from crm.models import Product

    counts = demo.seed_demo_records(org_a.id)
    assert counts["opportunities"] == 150 and counts["products"] == 12
    with org_context(org_a.id):
        stages = {s.id: s for s in db.session.scalars(sa.select(PipelineStage))}
        deals = db.session.scalars(sa.select(Opportunity)).all()
        assert {d.stage_id for d in deals} == set(stages), "every stage, open, won and lost, has deals"
        last_move = dict(db.session.execute(
            sa.select(OpportunityStageChange.opportunity_id, OpportunityStageChange.to_stage_id)
            .order_by(OpportunityStageChange.moved_at, OpportunityStageChange.id)).all())
        totals = dict(db.session.execute(sa.select(
            OpportunityLineItem.opportunity_id,
            sa.func.count()).group_by(OpportunityLineItem.opportunity_id)).all())
        for deal in deals:
            kind = stages[deal.stage_id].kind
            assert last_move[deal.id] == deal.stage_id
            assert (deal.closed_at is not None) == (kind != "open") == bool(deal.close_reason)
            if deal.closed_at:
                assert deal.created_at < deal.closed_at
            assert deal.value > Decimal("0")
            if kind == "won":
                assert db.session.get(Company, deal.company_id).lifecycle_stage == "customer"
        assert 40 < len(totals) < 120
        assert _count(Product, Product.active.is_(False)) == 1
        qualified = db.session.scalars(sa.select(Lead).where(Lead.status == "qualified")).all()
        assert qualified and all(lead.budget and lead.authority and lead.need and lead.timeline for lead in qualified)
        converted = db.session.scalars(sa.select(Lead).where(Lead.status == "converted")).all()
        assert converted and all(lead.converted_opportunity_id for lead in converted)
        for lead in converted:
            deal = db.session.get(Opportunity, lead.converted_opportunity_id)
            assert deal.lead_id == lead.id and lead.created_at < deal.created_at
