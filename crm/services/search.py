"""Global search: companies, contacts and leads whose name, email, domain or phone matches.

A few rows of each kind, for the top bar's dropdown and the search page; the record lists
do the exhaustive, filtered search, and this page matches exactly as they do (each kind's
list search; crm/services/text_search.py): every word starts a field, ignoring case, or the
whole term does. Names that start with the term come first, then the rows found by another
field (email, domain, phone, company). A phone number matches on its digits from the start,
so "(415) 555-0123" and "415555" find +14155550123.

Since migration 0005 this is a prefix match, no longer a substring one: "umbrella" does not
find "The Umbrella Group", nor "volcano" scorpio@volcano.example. Under row-level security
only a prefix match can use an index, and a substring match read every row of the
organization (docs/performance.md).
"""

from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import Lead
from crm.services import companies
from crm.services import contacts
from crm.services import leads
from crm.services import text_search

MAX_QUERY = 100
PER_KIND = 5
KINDS = ("companies", "contacts", "leads")


@dataclass
class Hit:
    id: int
    title: str
    detail: str


@dataclass
class Results:
    q: str
    truncated: bool = False
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    more: dict[str, bool] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(h) for h in self.hits.values())


def clean_query(value) -> tuple[str, bool]:
    """Spaces folded, at most MAX_QUERY characters; and whether it was cut."""
    q = " ".join(text_search.CONTROL_CHARACTERS.sub("", value or "").split())
    return q[:MAX_QUERY], len(q) > MAX_QUERY


def _names_first(term: str, columns) -> sa.Case:
    """Sort key: rows whose name (one of ``columns``) explains the match before the others."""
    by_name = text_search.matching(term, lambda prefix, postgres: text_search.starts_any(columns, prefix, postgres))
    return sa.case((by_name, 0), else_=1)


def _companies(q: str) -> list[Company]:
    return db.session.scalars(
        sa.select(Company).where(Company.deleted_at.is_(None), companies.LIST.search(q))
        .order_by(_names_first(q, (Company.name,)), Company.name, Company.id).limit(PER_KIND + 1)
    ).all()


def _contacts(q: str) -> list[Contact]:
    return db.session.scalars(
        sa.select(Contact)
        .where(Contact.deleted_at.is_(None), Contact.merged_into_id.is_(None), contacts.LIST.search(q))
        .order_by(_names_first(q, (Contact.first_name, Contact.last_name)), Contact.last_name, Contact.first_name,
                  Contact.id)
        .limit(PER_KIND + 1)
    ).all()


def _leads(q: str) -> list[Lead]:
    return db.session.scalars(
        sa.select(Lead)
        .where(Lead.deleted_at.is_(None), Lead.merged_into_id.is_(None), leads.LIST.search(q))
        .order_by(_names_first(q, (Lead.first_name, Lead.last_name)), Lead.last_name, Lead.first_name, Lead.id)
        .limit(PER_KIND + 1)
    ).all()


def _hit(kind: str, row) -> Hit:
    if kind == "companies":
        return Hit(row.id, row.name, " · ".join(p for p in (row.domain, row.industry) if p))
    if kind == "contacts":
        return Hit(row.id, row.full_name, " · ".join(p for p in (row.title, row.email, row.phone) if p))
    return Hit(row.id, row.full_name, " · ".join(p for p in (row.company_name, row.email, row.status) if p))


FINDERS = {"companies": _companies, "contacts": _contacts, "leads": _leads}


def search(value, kinds) -> Results:
    """Up to PER_KIND hits of each kind in ``kinds`` (the kinds the member may see)."""
    q, truncated = clean_query(value)
    results = Results(q=q, truncated=truncated)
    if not q:
        return results
    for kind in KINDS:
        if kind not in kinds:
            continue
        rows = FINDERS[kind](q)
        results.hits[kind] = [_hit(kind, row) for row in rows[:PER_KIND]]
        results.more[kind] = len(rows) > PER_KIND
    return results
