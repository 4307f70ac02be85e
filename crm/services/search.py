"""Global search: companies, contacts and leads whose name, email, domain or phone matches.

A few rows of each kind, for the top bar's dropdown and the search page; the record lists
do the exhaustive, filtered search. Matching is a case-insensitive substring; names that
start with the term come first. A phone number matches on its digits, so "(415) 555-0100"
finds +14155550100.
"""

import re
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import Lead

MAX_QUERY = 100
PER_KIND = 5
MIN_PHONE_DIGITS = 4
KINDS = ("companies", "contacts", "leads")
PHONE_LIKE = re.compile(r"[\d\s()+.\-/]+")


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
    q = " ".join((value or "").split())
    return q[:MAX_QUERY], len(q) > MAX_QUERY


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column, pattern: str):
    return sa.func.lower(sa.func.coalesce(column, "")).like(pattern, escape="\\")


def _phone_digits(q: str) -> str | None:
    """The digits to look for in E.164 numbers, when the term looks like a phone number."""
    if not PHONE_LIKE.fullmatch(q):
        return None
    digits = re.sub(r"\D", "", q)
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def _prefix_first(column, q: str):
    """Sort key: rows whose column starts with the term before the others."""
    start = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.case((sa.func.lower(column).like(start, escape="\\"), 0), else_=1)


def _person_name(model):
    return model.first_name + " " + model.last_name


def _companies(q: str, pattern: str, digits: str | None) -> list[Company]:
    return db.session.scalars(
        sa.select(Company)
        .where(Company.deleted_at.is_(None), sa.or_(_contains(Company.name, pattern), _contains(Company.domain, pattern)))
        .order_by(_prefix_first(Company.name, q), Company.name, Company.id).limit(PER_KIND + 1)
    ).all()


def _contacts(q: str, pattern: str, digits: str | None) -> list[Contact]:
    matches = [_contains(_person_name(Contact), pattern), _contains(Contact.email, pattern),
               Contact.id.in_(sa.select(ContactEmail.contact_id).where(_contains(ContactEmail.email, pattern)))]
    if digits:
        matches += [Contact.phone.like(f"%{digits}%"),
                    Contact.id.in_(sa.select(ContactPhone.contact_id).where(ContactPhone.number.like(f"%{digits}%")))]
    return db.session.scalars(
        sa.select(Contact)
        .where(Contact.deleted_at.is_(None), Contact.merged_into_id.is_(None), sa.or_(*matches))
        .order_by(_prefix_first(_person_name(Contact), q), Contact.last_name, Contact.first_name, Contact.id)
        .limit(PER_KIND + 1)
    ).all()


def _leads(q: str, pattern: str, digits: str | None) -> list[Lead]:
    matches = [_contains(_person_name(Lead), pattern), _contains(Lead.email, pattern),
               _contains(Lead.company_name, pattern)]
    if digits:
        matches.append(Lead.phone.like(f"%{digits}%"))
    return db.session.scalars(
        sa.select(Lead)
        .where(Lead.deleted_at.is_(None), Lead.merged_into_id.is_(None), sa.or_(*matches))
        .order_by(_prefix_first(_person_name(Lead), q), Lead.last_name, Lead.first_name, Lead.id)
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
    pattern, digits = _like(q), _phone_digits(q)
    for kind in KINDS:
        if kind not in kinds:
            continue
        rows = FINDERS[kind](q, pattern, digits)
        results.hits[kind] = [_hit(kind, row) for row in rows[:PER_KIND]]
        results.more[kind] = len(rows) > PER_KIND
    return results
