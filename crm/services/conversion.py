"""Converting a qualified lead into a company (new or existing), a contact and an opportunity.

Everything happens in the caller's one transaction: the caller commits on success and rolls
back on any error, so a failure midway leaves no company, contact or opportunity behind and
the lead unconverted. Two requests converting the same lead at once produce one conversion:
the lead's row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers) and
its state read again after the lock, and the final write is conditional on the lead still
being unconverted.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadTag
from crm.models import Note
from crm.models import Opportunity
from crm.models import OpportunityTag
from crm.models import PipelineStage
from crm.models import Task
from crm.services import ServiceError
from crm.services import text_search
from crm.services.qualification import listed
from crm.services.qualification import missing
from crm.services.records import actor_id
from crm.services.records import clean_text
from crm.services.records import record_event

# Addresses anyone can get: their domain says nothing about the lead's employer.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "hotmail.com",
    "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com",
    "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "mail.ru",
    "yandex.com", "yandex.ru", "zoho.com", "qq.com", "163.com", "126.com", "fastmail.com", "tutanota.com",
    "hey.com", "orange.fr", "free.fr", "laposte.net", "t-online.de", "btinternet.com", "comcast.net",
})
MATCHES_SHOWN = 10
# Companies whose lifecycle stage is before "opportunity" move up to it when a lead converts into them.
BEFORE_OPPORTUNITY = ("subscriber", "lead", "mql", "sql")


class AlreadyConverted(ServiceError):
    status = 409


class NotQualified(ServiceError):
    status = 409


def email_domain(email: str | None) -> str | None:
    """The lead's employer's web domain, guessed from the email (None for free mail)."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    if not domain or "." not in domain or domain in FREE_MAIL_DOMAINS:
        return None
    return domain


def company_matches(lead: Lead) -> list[Company]:
    """Live companies the lead probably works for: same web domain as its email, or the same
    name as its company name, ignoring case. One query."""
    postgres = text_search.on_postgres()
    conditions = []
    domain = email_domain(lead.email)
    if domain:
        conditions.append(text_search.same_text(Company.domain, domain, postgres))
    if lead.company_name:
        conditions.append(text_search.same_text(Company.name, lead.company_name.strip(), postgres))
    if not conditions:
        return []
    return db.session.scalars(sa.select(Company).where(sa.or_(*conditions), Company.deleted_at.is_(None))
                              .order_by(Company.name, Company.id).limit(MATCHES_SHOWN)).all()


def contact_matches(lead: Lead, company_ids: list[int]) -> list[Contact]:
    """Live contacts of these companies with the lead's email (any of their addresses). One query."""
    email = (lead.email or "").strip().lower()
    if not email or not company_ids:
        return []
    other_addresses = sa.select(ContactEmail.contact_id).where(sa.func.lower(ContactEmail.email) == email)
    has_email = sa.or_(sa.func.lower(Contact.email) == email, Contact.id.in_(other_addresses))
    return db.session.scalars(sa.select(Contact).where(Contact.company_id.in_(company_ids), has_email,
                                                       Contact.deleted_at.is_(None))
                              .order_by(Contact.id).limit(MATCHES_SHOWN)).all()


def open_stages() -> list[PipelineStage]:
    return db.session.scalars(sa.select(PipelineStage).where(PipelineStage.kind == "open")
                              .order_by(PipelineStage.position, PipelineStage.id)).all()


def refusal(lead: Lead) -> ServiceError | None:
    """Why this lead cannot be converted now, or None."""
    if lead.deleted_at is not None:
        return ServiceError("This lead has been deleted; restore it before converting it.")
    if lead.converted_at is not None or lead.status == "converted":
        when = lead.converted_at.strftime("%Y-%m-%d") if lead.converted_at else "an earlier date"
        return AlreadyConverted(f"This lead was converted on {when}; it cannot be converted again.")
    if lead.status != "qualified" or missing(lead):
        gaps = missing(lead)
        if not gaps:
            how = "use Qualify on the lead's page."
        elif lead.status == "qualified":
            how = f"fill in {listed(gaps)} first."
        else:
            how = f"fill in {listed(gaps)}, then qualify it."
        return NotQualified(f"Qualify the lead before converting it: {how}")
    return None


@dataclass
class Proposal:
    """What the convert form offers and pre-fills."""

    companies: list[Company]
    contacts: list[Contact]
    stages: list[PipelineStage]
    values: dict = field(default_factory=dict)


def default_name(company_name: str, lead: Lead) -> str:
    return f"{company_name} - {lead.full_name}"[:200] if company_name else lead.full_name[:200]


def expected_close(stages: list[PipelineStage], today: date) -> date:
    """Today plus the days the open stages expect a deal to spend in each."""
    return today + timedelta(days=sum(s.expected_days for s in stages) or 30)


def propose(lead: Lead, today: date) -> Proposal:
    """Matches and defaults for the convert form, in a fixed number of queries."""
    companies = company_matches(lead)
    contacts = contact_matches(lead, [c.id for c in companies])
    stages = open_stages()
    company_name = (lead.company_name or "").strip()
    chosen = companies[0] if companies else None
    contact = next((c for c in contacts if chosen and c.company_id == chosen.id), None)
    values = {
        "company": str(chosen.id) if chosen else "new",
        "company_name": company_name,
        "contact": str(contact.id) if contact else "new",
        "name": default_name(chosen.name if chosen else company_name, lead),
        "value": f"{lead.budget:.2f}" if lead.budget is not None else "",
        "stage_id": str(stages[0].id) if stages else "",
        "expected_close_on": expected_close(stages, today).isoformat(),
        "owner_id": str(lead.owner_id or ""),
    }
    return Proposal(companies, contacts, stages, values)


# Converting

def _lock(lead: Lead) -> Lead:
    """The lead's row, locked until the transaction ends, as it is now (another request may
    have converted it while this one waited for the lock)."""
    locked = db.session.scalars(sa.select(Lead).where(Lead.id == lead.id).with_for_update()
                                .execution_options(populate_existing=True)).one_or_none()
    if locked is None:
        raise ServiceError("This lead no longer exists.")
    return locked


def _company(lead: Lead, choices) -> tuple[Company, bool]:
    """The chosen existing company, or a new one; True when it was created."""
    choice = str(choices.get("company") or "new").strip()
    if choice != "new":
        company_id = int(choice) if choice.isdigit() and len(choice) <= 18 else None
        company = db.session.get(Company, company_id) if company_id else None
        if company is None or company.deleted_at is not None:
            raise ServiceError("That company is not in this organization. Pick one of the companies offered, or "
                               "create a new one.", "company")
        if company.lifecycle_stage in BEFORE_OPPORTUNITY:
            company.lifecycle_stage = "opportunity"
        return company, False
    name = clean_text(choices.get("company_name"), "company_name", "new company's name", 200, required=True)
    company = Company(name=name, domain=email_domain(lead.email), lifecycle_stage="opportunity",
                      owner_id=lead.owner_id, created_by_id=actor_id())
    db.session.add(company)
    db.session.flush()
    return company, True


def _contact(lead: Lead, company: Company, choices) -> tuple[Contact, bool]:
    choice = str(choices.get("contact") or "new").strip()
    if choice != "new":
        contact_id = int(choice) if choice.isdigit() and len(choice) <= 18 else None
        contact = db.session.get(Contact, contact_id) if contact_id else None
        if contact is None or contact.deleted_at is not None:
            raise ServiceError("That contact is not in this organization. Pick the contact offered, or create a new "
                               "one.", "contact")
        if contact.company_id != company.id:
            raise ServiceError(f"{contact.full_name} is not at {company.name}. Link the contact's own company, or "
                               "create a new contact.", "contact")
        return contact, False
    contact = Contact(company_id=company.id, first_name=lead.first_name or "", last_name=lead.last_name or "",
                      title=lead.title, email=lead.email, phone=lead.phone, owner_id=lead.owner_id,
                      created_by_id=actor_id())
    db.session.add(contact)
    db.session.flush()
    if lead.email:
        db.session.add(ContactEmail(contact_id=contact.id, email=lead.email, kind="work", is_primary=True))
    if lead.phone:
        db.session.add(ContactPhone(contact_id=contact.id, number=lead.phone, kind="work", is_primary=True))
    return contact, True


def _opportunity(lead: Lead, company: Company, contact: Contact, choices) -> Opportunity:
    from crm.services.opportunities import create_opportunity

    values = {
        "name": choices.get("name") or default_name(company.name, lead),
        "company_id": str(company.id),
        "contact_id": str(contact.id),
        "value": choices.get("value", ""),
        "probability": choices.get("probability", ""),
        "stage_id": choices.get("stage_id", ""),
        "expected_close_on": choices.get("expected_close_on", ""),
        "source": lead.source or "",
        "owner_id": choices.get("owner_id", str(lead.owner_id or "")),
    }
    return create_opportunity(values, lead_id=lead.id)


def _carry_over(lead: Lead, company: Company, contact: Contact, opportunity: Opportunity) -> dict:
    """The lead's interactions, notes and tasks now also belong to the contact, its company and
    the deal (``lead_id`` stays, so the lead's page still shows them); its tags go to the
    contact and the deal."""
    moved = {}
    for label, model in (("interactions", Interaction), ("notes", Note), ("tasks", Task)):
        result = db.session.execute(
            sa.update(model).where(model.lead_id == lead.id)
            .values(contact_id=contact.id, company_id=company.id, opportunity_id=opportunity.id)
            .execution_options(synchronize_session=False))
        moved[label] = result.rowcount
    tag_ids = db.session.scalars(sa.select(LeadTag.tag_id).where(LeadTag.lead_id == lead.id)).all()
    on_contact = set(db.session.scalars(sa.select(ContactTag.tag_id).where(ContactTag.contact_id == contact.id)))
    on_deal = set(db.session.scalars(sa.select(OpportunityTag.tag_id)
                                     .where(OpportunityTag.opportunity_id == opportunity.id)))
    db.session.add_all([ContactTag(contact_id=contact.id, tag_id=t) for t in tag_ids if t not in on_contact])
    db.session.add_all([OpportunityTag(opportunity_id=opportunity.id, tag_id=t) for t in tag_ids if t not in on_deal])
    moved["tags"] = len(tag_ids)
    last = db.session.scalar(sa.select(sa.func.max(Interaction.occurred_at))
                             .where(Interaction.contact_id == contact.id, Interaction.deleted_at.is_(None)))
    if last is not None:
        contact.last_contacted_at = last
    return moved


def _claim(lead: Lead, company: Company, contact: Contact, opportunity: Opportunity) -> None:
    """Mark the lead converted, only if nothing converted it meanwhile (the SQLite guard: there
    ``FOR UPDATE`` is not a lock, the single writer is)."""
    now = clock.now()
    result = db.session.execute(
        sa.update(Lead).where(Lead.id == lead.id, Lead.converted_at.is_(None))
        .values(status="converted", converted_at=now, converted_company_id=company.id,
                converted_contact_id=contact.id, converted_opportunity_id=opportunity.id, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise AlreadyConverted("This lead was converted by someone else a moment ago.")
    db.session.expire(lead)


@dataclass
class Conversion:
    company: Company
    contact: Contact
    opportunity: Opportunity
    company_created: bool
    contact_created: bool
    moved: dict


def convert_lead(lead: Lead, choices) -> Conversion:
    """Convert ``lead`` as ``choices`` say (the convert form: company, company_name, contact,
    name, value, stage_id, expected_close_on, owner_id); raises ServiceError, and then the
    caller must roll back."""
    lead = _lock(lead)
    refused = refusal(lead)
    if refused is not None:
        raise refused
    company, company_created = _company(lead, choices)
    contact, contact_created = _contact(lead, company, choices)
    opportunity = _opportunity(lead, company, contact, choices)
    db.session.flush()
    moved = _carry_over(lead, company, contact, opportunity)
    name = lead.full_name
    _claim(lead, company, contact, opportunity)

    into = f"{company.name}, {contact.full_name} and the opportunity {opportunity.name}"
    record_event("converted", f"Converted into {into}", lead_id=lead.id,
                 data={"company_id": company.id, "contact_id": contact.id, "opportunity_id": opportunity.id,
                       "moved": moved})
    if company_created:
        record_event("created", f"Company {company.name} created from lead {name}", company_id=company.id)
    else:
        record_event("converted", f"Lead {name} converted into this company", company_id=company.id)
    summary = f"Contact {contact.full_name} created from lead {name}" if contact_created else \
        f"Lead {name} converted into this contact"
    record_event("created" if contact_created else "converted", summary, contact_id=contact.id, company_id=company.id,
                 opportunity_id=opportunity.id)
    db.session.flush()
    return Conversion(company, contact, opportunity, company_created, contact_created, moved)


def converted_records(lead: Lead) -> dict:
    """What a converted lead became, for its page's links (three primary-key reads at most)."""
    if lead.converted_at is None:
        return {}

    def live(model, record_id):
        record = db.session.get(model, record_id) if record_id else None
        return record if record is not None and record.deleted_at is None else None

    return {"company": live(Company, lead.converted_company_id), "contact": live(Contact, lead.converted_contact_id),
            "opportunity": live(Opportunity, lead.converted_opportunity_id)}


def lead_converted_into(contact_id: int) -> Lead | None:
    """The live lead this contact was converted from, if any (one query, for the contact's page)."""
    return db.session.scalars(sa.select(Lead).where(Lead.converted_contact_id == contact_id, Lead.deleted_at.is_(None))
                              .order_by(Lead.converted_at).limit(1)).first()
