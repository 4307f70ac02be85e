"""Fixtures for the PostgreSQL-only isolation tests (row-level security, roles, the pool).

These tests run in the PostgreSQL pass only (``CRM_TEST_BACKEND=postgres``). The app under
test connects as the app role (``TEST_DATABASE_URL``); ``owner_engine`` connects as the
table owner (``TEST_DATABASE_OWNER_URL``, BYPASSRLS), to see what RLS hides from the app.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import AuditEntry
from crm.models import Invitation
from crm.models import PipelineStage
from crm.models import Role
from tenants.context import org_context
from tenants.scoping import tenant_tables
from tests.conftest import ON_POSTGRES
from tests.conftest import pg_urls

# Every tenant table, known at collection time, so that each gets its own test id.
TENANT_TABLES = [t.name for t in tenant_tables(db.metadata)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: run with CRM_TEST_BACKEND=postgres (make test-postgres)")


@pytest.fixture
def owner_engine(app):
    """The owner role's connection: it bypasses RLS, so it sees every organization's rows."""
    _, owner_url = pg_urls()
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def _seed_audit_entries(org) -> None:
    db.session.add(AuditEntry(action="test.seed", target_type="Organization", target_id=org.id,
                              summary=f"seeded for {org.slug}"))


def _seed_invitations(org) -> None:
    role = db.session.scalar(sa.select(Role).where(Role.name == "Sales Rep"))
    db.session.add(Invitation(email=f"invitee@{org.slug}.example", role_id=role.id, nonce="0" * 32,
                              expires_at=clock.now() + timedelta(days=7)))


def _seed_customer_records(org) -> None:
    """One row in each customer-record table (issue 3), linked the way the app links them."""
    from crm.models import ActivityEvent, Company, CompanyTag, Contact, ContactEmail, ContactPhone
    from crm.models import ContactTag, Interaction, Lead, LeadTag, Note, Notification, SavedView, Tag, Task
    from crm.models import User

    user_id = db.session.scalar(sa.select(User.id).where(User.email == f"admin@{org.slug}.example"))
    company = Company(name=f"Customer of {org.slug}")
    lead = Lead(first_name="Lee", last_name=org.slug, email=f"lead@{org.slug}.example")
    tag = Tag(name="vip")
    db.session.add_all([company, lead, tag])
    db.session.flush()
    contact = Contact(first_name="Cora", last_name=org.slug, company_id=company.id)
    db.session.add(contact)
    db.session.flush()
    db.session.add_all([
        ContactEmail(contact_id=contact.id, email=f"cora@{org.slug}.example", is_primary=True),
        ContactPhone(contact_id=contact.id, number="+14155550100", is_primary=True),
        CompanyTag(company_id=company.id, tag_id=tag.id), ContactTag(contact_id=contact.id, tag_id=tag.id),
        LeadTag(lead_id=lead.id, tag_id=tag.id),
        Interaction(kind="call", subject="Intro call", company_id=company.id, contact_id=contact.id),
        Note(body="Met at the fair", company_id=company.id), Task(title="Follow up", lead_id=lead.id),
        ActivityEvent(kind="created", summary="Company created", company_id=company.id),
        Notification(user_id=user_id, kind="mention", message="You were mentioned", dedupe_key=f"seed:{org.slug}"),
        SavedView(owner_id=user_id, entity="leads", name="Mine", query="owner=me"),
    ])


def _seed_pipeline_records(org) -> None:
    """One row in each pipeline table (issue 4): a product, a deal with a line item, a stage
    move and a tag. Runs after ``_seed_customer_records``, whose company and tag it reuses."""
    from crm.models import Company, Opportunity, OpportunityLineItem, OpportunityStageChange
    from crm.models import OpportunityTag, Product, Tag

    stage = db.session.scalar(sa.select(PipelineStage).order_by(PipelineStage.position).limit(1))
    company_id = db.session.scalar(sa.select(Company.id).limit(1))
    tag_id = db.session.scalar(sa.select(Tag.id).limit(1))
    product = Product(name="Seat licence", sku=f"SEAT-{org.slug}", unit_price=Decimal("100.00"))
    deal = Opportunity(name=f"Deal of {org.slug}", company_id=company_id, stage_id=stage.id, value=Decimal("200.00"))
    db.session.add_all([product, deal])
    db.session.flush()
    db.session.add_all([
        OpportunityLineItem(opportunity_id=deal.id, product_id=product.id, name=product.name,
                            quantity=Decimal("2"), unit_price=product.unit_price),
        OpportunityStageChange(opportunity_id=deal.id, to_stage_id=stage.id, to_stage_name=stage.name),
        OpportunityTag(opportunity_id=deal.id, tag_id=tag_id),
    ])


def _seed_background_jobs(org) -> None:
    from crm.models import BackgroundJob

    db.session.add(BackgroundJob(kind="seed", func="tests.jobs.job_functions:record_tag", args=[org.slug],
                                 status="failed", error="seeded"))


def _seed_lead_imports(org) -> None:
    from crm.models import Campaign, Lead, LeadImport, LeadImportRow

    campaign = Campaign(name=f"Fair {org.slug}", name_key=f"fair {org.slug}")
    db.session.add(campaign)
    db.session.flush()
    imp = LeadImport(file_name="seed.csv", size_bytes=24, encoding="utf-8", delimiter=",", content=b"Email\r\nx@y.example\r\n",
                     content_length=24, header=["Email"], data_offset=7, cursor_offset=7, total_rows=1,
                     campaign_id=campaign.id, status="finished")
    db.session.add(imp)
    db.session.flush()
    lead_id = db.session.scalar(sa.select(Lead.id).limit(1))
    db.session.add(LeadImportRow(import_id=imp.id, row_number=2, outcome="updated", lead_id=lead_id))


def _seed_scoring(org) -> None:
    """Scoring rules, a score history row and an assignment rule (runs after the customer
    records, whose lead it scores)."""
    from crm.models import AssignmentRule, Lead, LeadScoreHistory, User
    from crm.services.scoring_settings import ensure_config

    ensure_config()
    lead_id = db.session.scalar(sa.select(Lead.id).limit(1))
    user_id = db.session.scalar(sa.select(User.id).where(User.email == f"admin@{org.slug}.example"))
    db.session.add_all([
        LeadScoreHistory(lead_id=lead_id, fit=10, engagement=0, activity=0, total=5, grade="D", explanation=[]),
        AssignmentRule(name="Everyone", min_score=0, max_score=100, target="owner", owner_id=user_id,
                       task_title="Follow up", task_due_days=1),
    ])


def _seed_lead_scores(org) -> None:
    """The current score of a lead (runs after the customer records, whose lead it scores)."""
    from crm.models import Lead, LeadScore

    lead_id = db.session.scalar(sa.select(Lead.id).limit(1))
    db.session.add(LeadScore(lead_id=lead_id, fit=10, engagement=0, activity=0, total=5, grade="D"))


def _seed_notification_email(org) -> None:
    """A member's notification setting and a digest already sent."""
    from crm.models import DigestSend, NotificationPreference, User

    user_id = db.session.scalar(sa.select(User.id).where(User.email == f"admin@{org.slug}.example"))
    db.session.add_all([
        NotificationPreference(user_id=user_id, kind="mention", delivery="email"),
        DigestSend(user_id=user_id, day=clock.now().date(), status="sent", sent_at=clock.now()),
    ])


# Rows that organizations do not get on creation. A new tenant table whose rows are not made
# by ``make_org`` needs an entry here, or ``test_every_tenant_table_has_rows_of_both_orgs``
# fails: an isolation test over an empty table would prove nothing.
SEEDERS = {
    "audit_entries": _seed_audit_entries,
    "invitations": _seed_invitations,
    "companies": _seed_customer_records,
    "opportunities": _seed_pipeline_records,
    "background_jobs": _seed_background_jobs,
    "lead_imports": _seed_lead_imports,
    "scoring_configs": _seed_scoring,
    "notification_preferences": _seed_notification_email,
    "lead_scores": _seed_lead_scores,
}


@pytest.fixture
def two_orgs(app, org_a, org_b) -> tuple[int, int]:
    """The ids of A and B, with rows of both in every tenant table, committed; no transaction left open."""
    ids = org_a.id, org_b.id
    for org in (org_a, org_b):
        with org_context(org.id):
            for seed in SEEDERS.values():
                seed(org)
            db.session.commit()
    db.session.remove()
    return ids


def org_ids_in(conn, table: str) -> list[int]:
    return conn.scalars(sa.text(f'SELECT org_id FROM "{table}"')).all()
