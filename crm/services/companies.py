"""Companies: validation, create, edit, delete and undo, bulk actions, and the list spec."""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Company
from crm.models import CompanyTag
from crm.models import Contact
from crm.models import Lead
from crm.models import Tag
from crm.models import User
from crm.models.people import LIFECYCLE_STAGES
from crm.models.people import SEGMENTS
from crm.models.people import SIZE_BANDS
from crm.models.people import TIERS
from crm.services import ServiceError
from crm.services import text_search
from crm.services.listing import Filter
from crm.services.listing import ListSpec
from crm.services.records import active_members
from crm.services.records import check_owner
from crm.services.records import clean_choice
from crm.services.records import clean_text
from crm.services.records import record_event
from crm.services.records import restore
from crm.services.records import soft_delete

FIELDS = ("name", "domain", "industry", "size_band", "segment", "tier", "lifecycle_stage", "street", "city",
          "region", "postal_code", "country", "owner_id")


def _search(term: str):
    """Each word starts the name or the web domain, ignoring case ("glob" finds Globex
    Corporation and globex.example), or the whole term starts one ("globex corp").

    A prefix, not a substring (it was a substring before migration 0005): "corp" does not find
    "Globex Corporation". Under row-level security only a prefix match can use an index
    (crm/services/text_search.py)."""
    return text_search.matching(term, lambda prefix, postgres: text_search.starts_any(
        (Company.name, Company.domain), prefix, postgres))


def _tag_choices():
    return [(str(t.id), t.name) for t in db.session.scalars(sa.select(Tag).order_by(Tag.name))]


def _owner_choices():
    return [("none", "Nobody")] + [(str(u.id), u.name) for u in active_members()]


def _owner_filter(value: str):
    return Company.owner_id.is_(None) if value == "none" else Company.owner_id == int(value)


def _tag_filter(value: str):
    return Company.id.in_(sa.select(CompanyTag.company_id).where(CompanyTag.tag_id == int(value)))


LIST = ListSpec(
    model=Company,
    sorts={"name": ("Name", Company.name), "created_at": ("Created", Company.created_at),
           "updated_at": ("Updated", Company.updated_at), "lifecycle_stage": ("Lifecycle stage", Company.lifecycle_stage)},
    default_sort="name",
    search=_search,
    filters={
        "lifecycle_stage": Filter("Lifecycle stage", lambda v: Company.lifecycle_stage == v,
                                  lambda: [(s, s.upper() if len(s) == 3 else s.capitalize()) for s in LIFECYCLE_STAGES]),
        "owner": Filter("Owner", _owner_filter, _owner_choices),
        "tag": Filter("Tag", _tag_filter, _tag_choices),
        "segment": Filter("Segment", lambda v: Company.segment == v, lambda: [(s, s) for s in SEGMENTS]),
    },
)


def list_query():
    return sa.select(Company).where(Company.deleted_at.is_(None)).options(sa.orm.joinedload(Company.owner))


def clean(form) -> dict:
    """Validated company fields from a form; raises ServiceError naming the first bad field."""
    domain = clean_text(form.get("domain"), "domain", "domain", 253)
    if domain:
        domain = domain.lower().removeprefix("https://").removeprefix("http://").removeprefix("www.").split("/")[0]
        if "." not in domain or " " in domain:
            raise ServiceError("Enter a domain like example.com.", "domain")
    return {
        "name": clean_text(form.get("name"), "name", "company name", 200, required=True),
        "domain": domain,
        "industry": clean_text(form.get("industry"), "industry", "industry", 100),
        "size_band": clean_choice(form.get("size_band"), SIZE_BANDS, "size_band", "size"),
        "segment": clean_choice(form.get("segment"), SEGMENTS, "segment", "segment"),
        "tier": clean_choice(form.get("tier"), TIERS, "tier", "tier"),
        "lifecycle_stage": clean_choice(form.get("lifecycle_stage") or "lead", LIFECYCLE_STAGES, "lifecycle_stage",
                                        "lifecycle stage", required=True),
        "street": clean_text(form.get("street"), "street", "street", 200),
        "city": clean_text(form.get("city"), "city", "city", 100),
        "region": clean_text(form.get("region"), "region", "region", 100),
        "postal_code": clean_text(form.get("postal_code"), "postal_code", "postal code", 20),
        "country": clean_text(form.get("country"), "country", "country", 100),
        "owner_id": check_owner(form.get("owner_id")),
    }


def create_company(form) -> Company:
    values = clean(form)
    company = Company(**values)
    db.session.add(company)
    db.session.flush()
    record_event("created", f"Company {company.name} created", company_id=company.id)
    return company


def update_company(company: Company, form) -> None:
    values = clean(form)
    changed = {k: v for k, v in values.items() if getattr(company, k) != v}
    for key, value in changed.items():
        setattr(company, key, value)
    if changed:
        record_event("updated", f"Changed {', '.join(k.replace('_', ' ') for k in changed)}", company_id=company.id,
                     data={"fields": sorted(changed)})


def delete_company(company: Company) -> None:
    soft_delete(company)
    record_event("deleted", f"Company {company.name} deleted", company_id=company.id)


def restore_company(company: Company) -> None:
    restore(company)
    record_event("restored", f"Company {company.name} restored", company_id=company.id)


def _selected(ids) -> list[Company]:
    wanted = [int(i) for i in ids if str(i).isdigit() and len(str(i)) <= 18][:500]
    if not wanted:
        raise ServiceError("Tick at least one company first.")
    return db.session.scalars(sa.select(Company).where(Company.id.in_(wanted), Company.deleted_at.is_(None))).all()


def bulk_assign(ids, owner_value) -> int:
    owner_id = check_owner(owner_value)
    companies = _selected(ids)
    for company in companies:
        if company.owner_id != owner_id:
            company.owner_id = owner_id
            record_event("updated", "Owner changed", company_id=company.id, data={"fields": ["owner_id"]})
    return len(companies)


def bulk_tag(ids, tag_value) -> int:
    tag = db.session.get(Tag, int(tag_value)) if str(tag_value).isdigit() else None
    if tag is None:
        raise ServiceError("Pick a tag from the list.", "tag_id")
    companies = _selected(ids)
    have = set(db.session.scalars(sa.select(CompanyTag.company_id).where(
        CompanyTag.tag_id == tag.id, CompanyTag.company_id.in_([c.id for c in companies]))))
    for company in companies:
        if company.id not in have:
            db.session.add(CompanyTag(company_id=company.id, tag_id=tag.id))
            record_event("tagged", f"Tagged {tag.name}", company_id=company.id)
    return len(companies)


def bulk_delete(ids) -> list[int]:
    companies = _selected(ids)
    for company in companies:
        delete_company(company)
    return [c.id for c in companies]


def bulk_restore(ids) -> int:
    wanted = [int(i) for i in ids if str(i).isdigit() and len(str(i)) <= 18][:500]
    companies = db.session.scalars(sa.select(Company).where(Company.id.in_(wanted), Company.deleted_at.is_not(None))).all()
    for company in companies:
        restore_company(company)
    return len(companies)


def tags_by_company(company_ids: list[int]) -> dict[int, list[Tag]]:
    """Tags of many companies in one query (for list rows)."""
    result: dict[int, list[Tag]] = {i: [] for i in company_ids}
    if not company_ids:
        return result
    rows = db.session.execute(sa.select(CompanyTag.company_id, Tag).join(Tag, Tag.id == CompanyTag.tag_id)
                              .where(CompanyTag.company_id.in_(company_ids)).order_by(Tag.name)).all()
    for company_id, tag in rows:
        result[company_id].append(tag)
    return result


def overview(company: Company) -> dict:
    """What the 360° page shows besides the activity panel, in a fixed number of queries."""
    contacts = db.session.scalars(sa.select(Contact).where(Contact.company_id == company.id, Contact.deleted_at.is_(None))
                                  .order_by(Contact.last_name, Contact.first_name).limit(200)).all()
    # Case-insensitive through the leads' company-name index (lower() would read every lead of
    # the organization under row-level security).
    same_company = text_search.same_text(Lead.company_name, company.name, text_search.on_postgres())
    leads = db.session.scalars(sa.select(Lead).where(same_company, Lead.deleted_at.is_(None))
                               .order_by(Lead.created_at.desc()).limit(20)).all()
    owner = db.session.get(User, company.owner_id) if company.owner_id else None
    return {"contacts": contacts, "leads": leads, "owner": owner}


EXPORT_HEADER = ["Name", "Domain", "Industry", "Size", "Segment", "Tier", "Lifecycle stage", "Street", "City", "Region",
                 "Postal code", "Country", "Owner", "Created"]


def export_row(company: Company) -> list:
    return [company.name, company.domain, company.industry, company.size_band, company.segment, company.tier,
            company.lifecycle_stage, company.street, company.city, company.region, company.postal_code, company.country,
            company.owner.email if company.owner else "", company.created_at.strftime("%Y-%m-%d")]
