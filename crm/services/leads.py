"""Leads: validation, create, edit, delete and undo, duplicates, merging, bulk actions, the list.

The list is the page that must stay fast with a million leads in the database: every query it
runs is filtered by ``org_id`` first (the ORM criteria and, on PostgreSQL, row-level security),
and its default and filtered orders walk an index that leads with ``org_id`` (see
docs/performance.md for the plans and the figures).
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

import sqlalchemy as sa
from flask import g
from flask import has_request_context
from flask import url_for
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import joinedload

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadScore
from crm.models import LeadTag
from crm.models import Membership
from crm.models import Note
from crm.models import Organization
from crm.models import Tag
from crm.models import Task
from crm.models import User
from crm.models.leads import LEAD_SOURCES
from crm.models.leads import LEAD_STATUSES
from crm.models.people import SIZE_BANDS
from crm.services import ServiceError
from crm.services import charts
from crm.services import lead_scoring
from crm.services import listing
from crm.services import notifications
from crm.services import qualification
from crm.services import text_search
from crm.services.activity import record_url
from crm.services.listing import Filter
from crm.services.listing import ListSpec
from crm.services.records import actor_id
from crm.services.records import check_owner
from crm.services.records import clean_choice
from crm.services.records import clean_text
from crm.services.records import normalize_email
from crm.services.records import normalize_phone
from crm.services.records import record_event
from crm.services.records import restore
from crm.services.records import soft_delete
from tenants.context import require_org_id

# "converted" is set by converting a lead (its own issue), never picked by hand.
SETTABLE_STATUSES = tuple(s for s in LEAD_STATUSES if s != "converted")
FIELDS = ("first_name", "last_name", "email", "phone", "company_name", "title", "company_size", "country", "source",
          "status", "owner_id")
# What a merge copies from the lead that goes into the one that stays, when the latter is empty.
# Not the score: the kept lead is scored again, with the interactions it took over.
MERGE_FIELDS = ("first_name", "last_name", "email", "phone", "company_name", "title", "source", "owner_id")
DUPLICATES_SHOWN = 10


def source_label(source: str | None) -> str:
    return (source or "").replace("_", " ").capitalize()


# The list

# The search: each word must start the first or last name, the email, the company name or the
# phone, ignoring case ("ada lov" finds Ada Lovelace), or the whole term must start one
# ("springfield pow"), through indexes that row-level security lets PostgreSQL use
# (crm/services/text_search.py, docs/performance.md).
SEARCH_COLUMNS = (Lead.first_name, Lead.last_name, Lead.email, Lead.company_name)


def _search(term: str):
    return text_search.matching(
        term, lambda prefix, postgres: text_search.starts_any(SEARCH_COLUMNS, prefix, postgres),
        lambda prefix, postgres: [text_search.starts_with(Lead.phone, prefix, postgres)])


def _per_request(name: str, build):
    """The list asks for the members and tags several times per page (to check the URL, to
    draw the filters and the bulk actions): one query each per request."""
    if not has_request_context():
        return build()
    cache = g.setdefault("_lead_choices", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


def members() -> list:
    """Active members (id, name) who can own leads, by name."""
    return _per_request("members", lambda: db.session.execute(
        sa.select(User.id, User.name).join(Membership, Membership.user_id == User.id)
        .where(Membership.active.is_(True)).order_by(User.name)).all())


def all_tags() -> list:
    """The organization's tags (id, name), by name."""
    return _per_request("tags", lambda: db.session.execute(sa.select(Tag.id, Tag.name).order_by(Tag.name)).all())


def _tag_choices():
    return [(str(t.id), t.name) for t in all_tags()]


def _owner_choices():
    return [("none", "Nobody")] + [(str(u.id), u.name) for u in members()]


def _owner_filter(value: str):
    return Lead.owner_id.is_(None) if value == "none" else Lead.owner_id == int(value)


def _tag_filter(value: str):
    return Lead.id.in_(sa.select(LeadTag.lead_id).where(LeadTag.tag_id == int(value)))


# Extra values the dashboard links with: "active" leads (neither converted nor unqualified),
# leads without a source, and leads created between two days of the organization's timezone.
ACTIVE_STATUS = ("active", "Active (not converted or unqualified)")
CREATED_FILTERS = {"created_from": "created from", "created_to": "created until"}


def _status_filter(value: str):
    return Lead.status.not_in(("converted", "unqualified")) if value == "active" else Lead.status == value


def _source_filter(value: str):
    return Lead.source.is_(None) if value == "none" else Lead.source == value


def _created_filter(name: str):
    def where(value: str):
        from crm.services.activity import org_timezone

        day = date.fromisoformat(value) + (timedelta(days=1) if name == "created_to" else timedelta(0))
        moment = datetime.combine(day, time.min, tzinfo=org_timezone()).astimezone(timezone.utc)
        return Lead.created_at < moment if name == "created_to" else Lead.created_at >= moment
    return where


# A lead's score is in lead_scores (crm.models.scoring.LeadScore): lists join it, at most one
# row per lead. Counts that do not use it skip it (PostgreSQL drops an outer join to a unique key).
SCORE_JOIN = sa.and_(LeadScore.org_id == Lead.org_id, LeadScore.lead_id == Lead.id)

LIST = ListSpec(
    model=Lead,
    sorts={"created_at": ("Created", Lead.created_at), "name": ("Name", Lead.last_name),
           "status": ("Status", Lead.status),
           # Unscored leads sort below every scored one (keyset pages need a value that is never NULL).
           "score": ("Score", sa.func.coalesce(LeadScore.total, -1))},
    default_sort="-created_at",
    search=_search,
    sort_values={"score": lambda lead: -1 if lead.score is None else lead.score},
    filters={
        "status": Filter("Status", _status_filter,
                         lambda: [(s, s.capitalize()) for s in LEAD_STATUSES] + [ACTIVE_STATUS]),
        "owner": Filter("Owner", _owner_filter, _owner_choices),
        "tag": Filter("Tag", _tag_filter, _tag_choices),
        "source": Filter("Source", _source_filter,
                         lambda: [(s, source_label(s)) for s in LEAD_SOURCES] + [("none", "No source")]),
        **{name: Filter(label.capitalize(), _created_filter(name)) for name, label in CREATED_FILTERS.items()},
    },
)


def list_query():
    return (sa.select(Lead).outerjoin(LeadScore, SCORE_JOIN).where(Lead.deleted_at.is_(None))
            .options(joinedload(Lead.owner), contains_eager(Lead.scoring)))


def parse_list_state(args) -> listing.ListState:
    """The list's state from the URL; a created date that is not a date is dropped with a notice."""
    state = listing.parse_state(LIST, args)
    for name, label in CREATED_FILTERS.items():
        value = state.filters.get(name)
        if value is None:
            continue
        try:
            day = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        if day is None or not 1900 <= day.year <= 9998:
            del state.filters[name]
            state.notices.append(f"Ignored the {label} filter: “{value[:40]}” is not a date like 2026-03-31.")
    return state


# The columns a list row shows, read as plain rows: building 50 Lead objects (identity map,
# instrumented attributes) cost twice the time of the query itself (docs/performance.md).
ROW_COLUMNS = (Lead.id, Lead.first_name, Lead.last_name, Lead.email, Lead.company_name, Lead.status, Lead.source,
               LeadScore.total.label("score"), LeadScore.grade, Lead.created_at)


def list_page(state: listing.ListState) -> listing.Page:
    rows = (sa.select(*ROW_COLUMNS, User.name.label("owner_name")).outerjoin(LeadScore, SCORE_JOIN)
            .outerjoin(User, User.id == Lead.owner_id).where(Lead.deleted_at.is_(None)))
    return listing.paginate(LIST, state, rows)


def tags_by_lead(lead_ids: list[int]) -> dict[int, list]:
    """Names and colours of the tags of many leads, in one query (for list rows)."""
    result: dict[int, list] = {i: [] for i in lead_ids}
    if not lead_ids:
        return result
    if text_search.on_postgres():
        # One array parameter: with IN (50 parameters) PostgreSQL's generic plan (the one a
        # statement prepared by psycopg ends up with) filtered the organization's every tag
        # link against the list: 4 ms instead of 0.3.
        wanted = LeadTag.lead_id == sa.any_(sa.literal(lead_ids, type_=postgresql.ARRAY(sa.BigInteger)))
    else:
        wanted = LeadTag.lead_id.in_(lead_ids)
    rows = db.session.execute(sa.select(LeadTag.lead_id, Tag.id, Tag.name, Tag.colour)
                              .join(Tag, Tag.id == LeadTag.tag_id).where(wanted).order_by(Tag.name)).all()
    for row in rows:
        result[row.lead_id].append(row)
    return result


# Validation

def _status(value, lead: Lead | None) -> str:
    value = (value or "").strip()
    if lead is not None and lead.status == "converted":
        if value in ("", "converted"):
            return "converted"
        raise ServiceError("This lead has been converted; its status cannot be changed any more.", "status")
    if value == "converted":
        raise ServiceError("A lead becomes “converted” only by converting it. Choose new, working, qualified or "
                           "unqualified.", "status")
    status = clean_choice(value or "new", SETTABLE_STATUSES, "status", "status", required=True)
    qualification.check_status(lead, status)
    return status


def _owner(form, lead: Lead | None, can_assign: bool) -> int | None:
    """Who owns the lead. Without leads.assign a member keeps the current owner (or, for a new
    lead, becomes its owner) and may not name anyone else."""
    current = lead.owner_id if lead is not None else actor_id()
    if "owner_id" not in form:
        return current
    owner_id = check_owner(form.get("owner_id"))
    if not can_assign and owner_id != current:
        raise ServiceError("Your role does not allow assigning leads to other members.", "owner_id")
    return owner_id


def clean(form, lead: Lead | None = None, can_assign: bool = True) -> dict:
    """Validated lead fields from a form; raises ServiceError naming the first bad field."""
    values = {
        "first_name": clean_text(form.get("first_name"), "first_name", "first name", 100) or "",
        "last_name": clean_text(form.get("last_name"), "last_name", "last name", 100) or "",
        "email": normalize_email(form.get("email")),
        "phone": normalize_phone(form.get("phone")),
        "company_name": clean_text(form.get("company_name"), "company_name", "company name", 200),
        "title": clean_text(form.get("title"), "title", "title", 120),
        "company_size": clean_choice(form.get("company_size"), SIZE_BANDS, "company_size", "company size"),
        "country": clean_text(form.get("country"), "country", "country", 100),
        "source": clean_choice(form.get("source"), LEAD_SOURCES, "source", "source"),
        "status": _status(form.get("status"), lead),
        "owner_id": _owner(form, lead, can_assign),
    }
    if not (values["first_name"] or values["last_name"] or values["email"]):
        raise ServiceError("Enter a name or an email address.", "last_name")
    return values


# Duplicates

@dataclass
class Duplicates:
    leads: list[Lead] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.leads or self.contacts)


class DuplicateFound(ServiceError):
    """The lead's email or phone is already on another lead or a contact: nothing was saved."""

    status = 409

    def __init__(self, duplicates: Duplicates):
        super().__init__("A lead or contact with this email address or phone number already exists.")
        self.duplicates = duplicates


def _same_email(column, email: str):
    # Stored addresses are normalised, but rows from imports may not be: compare as the
    # user means it (case and surrounding spaces do not matter).
    return sa.func.lower(sa.func.trim(column)) == email


def _same_lead_email(email: str):
    """On PostgreSQL through the case-insensitive index of migration 0004 (leads are stored
    trimmed; ``lower()`` would scan every lead of the organization under RLS)."""
    if text_search.on_postgres():
        return text_search.same_text(Lead.email, email, postgres=True)
    return _same_email(Lead.email, email)


def find_duplicates(email: str | None, phone: str | None, exclude_lead_id: int | None = None) -> Duplicates:
    """Leads and contacts (by any of their addresses and numbers) with this email or phone."""
    found = Duplicates()
    if not email and not phone:
        return found
    lead_match = []
    if email:
        lead_match.append(_same_lead_email(email))
    if phone:
        lead_match.append(Lead.phone == phone)
    query = sa.select(Lead).where(sa.or_(*lead_match), Lead.deleted_at.is_(None))
    if exclude_lead_id is not None:
        query = query.where(Lead.id != exclude_lead_id)
    found.leads = db.session.scalars(query.order_by(Lead.id).limit(DUPLICATES_SHOWN)).all()

    contact_match = []
    if email:
        contact_match += [_same_email(Contact.email, email),
                          Contact.id.in_(sa.select(ContactEmail.contact_id).where(_same_email(ContactEmail.email, email)))]
    if phone:
        contact_match += [Contact.phone == phone,
                          Contact.id.in_(sa.select(ContactPhone.contact_id).where(ContactPhone.number == phone))]
    found.contacts = db.session.scalars(sa.select(Contact).where(sa.or_(*contact_match), Contact.deleted_at.is_(None))
                                        .order_by(Contact.id).limit(DUPLICATES_SHOWN)).all()
    return found


def duplicates_of(lead: Lead) -> Duplicates:
    """Other leads and contacts sharing this lead's email or phone (merge suggestions)."""
    email = (lead.email or "").strip().lower() or None
    return find_duplicates(email, lead.phone, exclude_lead_id=lead.id)


def _check_duplicates(values: dict, lead: Lead | None, confirmed: bool) -> None:
    if confirmed:
        return
    email, phone = values["email"], values["phone"]
    if lead is not None:  # an edit warns only about an address or number it changes
        email = email if email != lead.email else None
        phone = phone if phone != lead.phone else None
    duplicates = find_duplicates(email, phone, exclude_lead_id=lead.id if lead is not None else None)
    if duplicates:
        raise DuplicateFound(duplicates)


# Create, edit, delete

def create_lead(form, can_assign: bool = True, confirmed: bool = False) -> Lead:
    values = clean(form, None, can_assign)
    _check_duplicates(values, None, confirmed)
    lead = Lead(**values, created_by_id=actor_id())
    db.session.add(lead)
    db.session.flush()
    record_event("created", f"Lead {lead.full_name} created", lead_id=lead.id)
    _notify_owner(lead)
    lead_scoring.score_and_route(lead)
    return lead


def update_lead(lead: Lead, form, can_assign: bool = True, confirmed: bool = False) -> bool:
    values = clean(form, lead, can_assign)
    _check_duplicates(values, lead, confirmed)
    changed = {k: v for k, v in values.items() if getattr(lead, k) != v}
    before = lead.status
    for key, value in changed.items():
        setattr(lead, key, value)
    qualification.status_changed(lead, before)
    if changed:
        record_event("updated", f"Changed {', '.join(k.replace('_id', '').replace('_', ' ') for k in changed)}",
                     lead_id=lead.id, data={"fields": sorted(changed)})
    if "owner_id" in changed:
        _notify_owner(lead)
    if changed:
        lead_scoring.score(lead)
    return bool(changed)


def _notify_owner(lead: Lead) -> None:
    """The lead's new owner is told (nobody is told of a lead they took themselves)."""
    notifications.notify_assigned(lead.owner_id, lead.full_name, "lead", record_url("lead", lead.id), f"lead:{lead.id}")


def delete_lead(lead: Lead) -> None:
    soft_delete(lead)
    record_event("deleted", f"Lead {lead.full_name} deleted", lead_id=lead.id)


def restore_lead(lead: Lead) -> None:
    if lead.merged_into_id is not None:
        raise ServiceError("This lead was merged into another one and cannot be restored.")
    restore(lead)
    record_event("restored", f"Lead {lead.full_name} restored", lead_id=lead.id)


# Bulk actions

def _selected(ids) -> list[Lead]:
    wanted = [int(i) for i in ids if str(i).isdigit()][:500]
    if not wanted:
        raise ServiceError("Tick at least one lead first.")
    return db.session.scalars(sa.select(Lead).where(Lead.id.in_(wanted), Lead.deleted_at.is_(None))).all()


def bulk_assign(ids, owner_value) -> int:
    owner_id = check_owner(owner_value)
    leads = _selected(ids)
    assigned = [lead for lead in leads if lead.owner_id != owner_id]
    for lead in assigned:
        lead.owner_id = owner_id
        record_event("updated", "Owner changed", lead_id=lead.id, data={"fields": ["owner_id"]})
    if len(assigned) == 1:
        _notify_owner(assigned[0])
    elif assigned:
        notifications.notify_assigned_many(owner_id, len(assigned), "leads", _owned_leads_url(owner_id), "leads")
    return len(leads)


def _owned_leads_url(owner_id: int) -> str:
    """The lead list showing what a member owns: where a bulk assignment's notification leads."""
    if has_request_context():
        return url_for("leads.leads_list", owner=owner_id)
    return f"/{db.session.get(Organization, require_org_id()).slug}/leads/?owner={owner_id}"


def bulk_tag(ids, tag_value) -> int:
    tag = db.session.get(Tag, int(tag_value)) if str(tag_value).isdigit() else None
    if tag is None:
        raise ServiceError("Pick a tag from the list.", "tag_id")
    leads = _selected(ids)
    have = set(db.session.scalars(sa.select(LeadTag.lead_id).where(
        LeadTag.tag_id == tag.id, LeadTag.lead_id.in_([lead.id for lead in leads]))))
    for lead in leads:
        if lead.id not in have:
            db.session.add(LeadTag(lead_id=lead.id, tag_id=tag.id))
            record_event("tagged", f"Tagged {tag.name}", lead_id=lead.id)
    return len(leads)


def bulk_delete(ids) -> list[int]:
    leads = _selected(ids)
    for lead in leads:
        delete_lead(lead)
    return [lead.id for lead in leads]


def bulk_restore(ids) -> int:
    wanted = [int(i) for i in ids if str(i).isdigit()][:500]
    leads = db.session.scalars(sa.select(Lead).where(Lead.id.in_(wanted), Lead.deleted_at.is_not(None),
                                                     Lead.merged_into_id.is_(None))).all()
    for lead in leads:
        restore_lead(lead)
    return len(leads)


# Merging

def merge_candidates(lead: Lead, q: str) -> list[Lead]:
    """Leads to merge with this one: by id, or by the list's search (20 at most)."""
    q = (q or "").strip()[:listing.MAX_SEARCH]
    query = sa.select(Lead).where(Lead.deleted_at.is_(None), Lead.id != lead.id)
    if not q:
        return []
    if q.lstrip("#").isdigit() and len(q) < 19:
        query = query.where(Lead.id == int(q.lstrip("#")))
    else:
        query = query.where(_search(q))
    return db.session.scalars(query.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(20)).all()


def merge_preview(keep: Lead, other: Lead) -> dict[str, object]:
    """The fields the kept lead would take from the other (those it has empty)."""
    filled = {name: getattr(other, name) for name in MERGE_FIELDS
              if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, "")}
    return filled


def merge_leads(keep: Lead, other: Lead) -> dict:
    """Move everything of ``other`` to ``keep``, fill ``keep``'s empty fields, retire ``other``.

    One transaction (the caller commits): interactions, notes, tasks, timeline events and
    tag links move; leads merged earlier into ``other`` now point at ``keep``.
    """
    if keep.id == other.id:
        raise ServiceError("A lead cannot be merged with itself. Pick another lead.", "other_id")
    for lead in (keep, other):
        if lead.deleted_at is not None:
            raise ServiceError(f"{lead.full_name} has been deleted; restore it before merging.", "other_id")
    if other.status == "converted":
        raise ServiceError(f"{other.full_name} has been converted, so it must be the lead you keep.", "keep")

    moved = {}
    for label, model in (("interactions", Interaction), ("notes", Note), ("tasks", Task), ("events", ActivityEvent)):
        result = db.session.execute(sa.update(model).where(model.lead_id == other.id).values(lead_id=keep.id)
                                    .execution_options(synchronize_session=False))
        moved[label] = result.rowcount

    kept_tags = set(db.session.scalars(sa.select(LeadTag.tag_id).where(LeadTag.lead_id == keep.id)))
    moved["tags"] = 0
    for link in db.session.scalars(sa.select(LeadTag).where(LeadTag.lead_id == other.id)).all():
        if link.tag_id in kept_tags:
            db.session.delete(link)
        else:
            link.lead_id = keep.id
            moved["tags"] += 1
    db.session.execute(sa.update(Lead).where(Lead.merged_into_id == other.id).values(merged_into_id=keep.id)
                       .execution_options(synchronize_session=False))

    filled = merge_preview(keep, other)
    for name, value in filled.items():
        setattr(keep, name, value)
    extra = {k: v for k, v in (other.custom_fields or {}).items() if k not in (keep.custom_fields or {})}
    if extra:
        keep.custom_fields = {**(keep.custom_fields or {}), **extra}

    other.merged_into_id = keep.id
    other.deleted_at = clock.now()
    db.session.flush()
    lead_scoring.score(keep)
    record_event("merged", f"Merged lead {other.full_name} (#{other.id}) into this one", lead_id=keep.id,
                 data={"merged_lead_id": other.id, "moved": moved, "filled": sorted(filled)})
    return {"moved": moved, "filled": sorted(filled)}


# The record page and the export

def overview(lead: Lead) -> dict:
    owner = db.session.get(User, lead.owner_id) if lead.owner_id else None
    history = lead_scoring.history(lead.id)
    return {"owner": owner, "score_history": history,
            "score_trend": charts.sparkline_points([row.total for row in reversed(history)])}


EXPORT_HEADER = ["First name", "Last name", "Email", "Phone", "Company", "Title", "Source", "Status", "Owner",
                 "Score", "Grade", "Created"]


def export_row(lead: Lead) -> list:
    return [lead.first_name, lead.last_name, lead.email, lead.phone, lead.company_name, lead.title, lead.source,
            lead.status, lead.owner.email if lead.owner else "", lead.score, lead.grade,
            lead.created_at.strftime("%Y-%m-%d")]
