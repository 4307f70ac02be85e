"""Opportunities as records: validation, create, edit, delete and undo, probability and age.

Stage moves are not made here: ``crm.services.stage_moves`` owns them (history, closing,
reasons). The value is entered by hand until the deal has line items; from then on it is
their total (``crm.services.line_items.recompute_value``) and the form no longer takes it.
"""

import re
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa
from flask import g
from flask import has_request_context
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import joinedload
from flask import url_for
from werkzeug.routing import BuildError

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.models import PipelineStage
from crm.models.leads import LEAD_SOURCES
from crm.models import User
from crm.services import ServiceError
from crm.services import listing
from crm.services import text_search
from crm.services.listing import Filter
from crm.services.listing import ListSpec
from crm.services.records import actor_id
from crm.services.records import check_owner
from crm.services.records import clean_choice
from crm.services.records import clean_text
from crm.services.records import record_event
from crm.services.records import restore
from crm.services.records import soft_delete

FIELDS = ("name", "company_id", "contact_id", "value", "probability", "expected_close_on", "source", "owner_id",
          "competitor", "close_reason")
FIELD_LABELS = {"name": "name", "company_id": "company", "contact_id": "contact", "value": "value",
                "probability": "probability", "stage_id": "stage", "expected_close_on": "expected close date",
                "source": "source", "owner_id": "owner", "competitor": "competitor", "close_reason": "reason"}
MAX_VALUE = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_ID = 2**63 - 1
_AMOUNT = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$|^\d*(\.\d*)?$")


# Reading a form

def parse_id(value) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_amount(value, field: str = "value", label: str = "value") -> Decimal:
    """A sum of money from a form: "1200", "1,200.50" or "1200.5"; empty is zero."""
    text = str(value or "").strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return Decimal("0")
    if text.startswith("-"):
        raise ServiceError(f"The {label} cannot be negative; enter 0 or more.", field)
    if not _AMOUNT.match(text) or text in (".", ""):
        raise ServiceError(f"Enter the {label} as a number, for example 1200 or 1,200.50.", field)
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ServiceError(f"Enter the {label} as a number, for example 1200 or 1,200.50.", field) from None
    if amount > MAX_VALUE:  # first: quantizing 29 digits or more overflows the decimal context
        raise ServiceError(f"That {label} is too large (at most 999,999,999,999.99).", field)
    if amount != amount.quantize(Decimal("0.01")):
        raise ServiceError(f"Enter the {label} with at most 2 decimals (cents).", field)
    return amount.quantize(Decimal("0.01"))


def parse_probability(value, field: str = "probability") -> int | None:
    """Empty means "the stage's"; otherwise a whole percentage."""
    text = str(value or "").strip().rstrip("%").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 3 or int(text) > 100:
        raise ServiceError("The probability is a whole number from 0 to 100, or leave it empty to use the stage's.",
                           field)
    return int(text)


def parse_date(value, field: str, label: str) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ServiceError(f"The {label} must be a date like 2026-03-31 (year-month-day).", field) from None


def check_stage(value, field: str = "stage_id") -> PipelineStage:
    """A stage of this organization (another organization's id reads as no stage)."""
    stage_id = parse_id(value)
    stage = db.session.get(PipelineStage, stage_id) if stage_id else None
    if stage is None:
        raise ServiceError("Choose one of your pipeline's stages.", field)
    return stage


def first_open_stage() -> PipelineStage:
    stage = db.session.scalar(sa.select(PipelineStage).where(PipelineStage.kind == "open")
                              .order_by(PipelineStage.position, PipelineStage.id).limit(1))
    if stage is None:
        raise ServiceError("Your pipeline has no open stage; an administrator can add one in the admin console.",
                           "stage_id")
    return stage


def check_company(value, field: str = "company_id") -> int | None:
    if value in (None, "", "none"):
        return None
    company_id = parse_id(value)
    found = db.session.scalar(sa.select(Company.id).where(Company.id == company_id, Company.deleted_at.is_(None))) \
        if company_id else None
    if found is None:
        raise ServiceError("That company is not in this organization. Pick a company from the list, or leave it empty.",
                           field)
    return company_id


def check_contact(value, company_id: int | None, field: str = "contact_id") -> int | None:
    """A live contact of this organization, and of the deal's company when both are given."""
    if value in (None, "", "none"):
        return None
    contact_id = parse_id(value)
    row = db.session.execute(sa.select(Contact.id, Contact.company_id).where(
        Contact.id == contact_id, Contact.deleted_at.is_(None))).first() if contact_id else None
    if row is None:
        raise ServiceError("That contact is not in this organization. Pick a contact from the list, or leave it empty.",
                           field)
    if company_id is not None and row.company_id != company_id:
        raise ServiceError("That contact does not work at the chosen company. Pick one of the company's contacts, "
                           "or change the company.", field)
    return contact_id


def has_line_items(opportunity: Opportunity) -> bool:
    if opportunity.id is None:
        return False
    return db.session.scalar(sa.select(sa.exists().where(OpportunityLineItem.opportunity_id == opportunity.id)))


def clean(values: Mapping[str, str], opportunity: Opportunity | None = None) -> dict:
    """Validated fields from a form; raises ServiceError naming the first bad field.

    Fields missing from the form keep their current value on an edit (inline edits send one)."""
    editing = opportunity is not None

    def given(name: str) -> bool:
        return not editing or name in values

    cleaned: dict = {}
    if given("name"):
        cleaned["name"] = clean_text(values.get("name"), "name", "name", 200, required=True)
    if given("company_id"):
        cleaned["company_id"] = check_company(values.get("company_id"))
    company_id = cleaned.get("company_id", opportunity.company_id if editing else None)
    if given("contact_id") or "company_id" in cleaned:
        contact_value = values.get("contact_id") if given("contact_id") else opportunity.contact_id
        try:
            cleaned["contact_id"] = check_contact(contact_value, company_id)
        except ServiceError:
            if given("contact_id"):
                raise
            cleaned["contact_id"] = None  # the company changed: its old contact no longer fits
    if given("value"):
        if editing and has_line_items(opportunity):
            if "value" in values and str(values.get("value") or "").strip() not in ("", str(opportunity.value)):
                raise ServiceError("The value is the total of the line items; change the line items instead.", "value")
        else:
            cleaned["value"] = parse_amount(values.get("value"))
    if given("probability"):
        cleaned["probability"] = parse_probability(values.get("probability"))
    if given("expected_close_on"):
        cleaned["expected_close_on"] = parse_date(values.get("expected_close_on"), "expected_close_on",
                                                  "expected close date")
    if given("source"):
        cleaned["source"] = clean_choice(values.get("source"), LEAD_SOURCES, "source", "source")
    if given("owner_id"):
        cleaned["owner_id"] = check_owner(values.get("owner_id"))
    if given("competitor"):
        cleaned["competitor"] = clean_text(values.get("competitor"), "competitor", "competitor", 200)
    if given("close_reason"):
        cleaned["close_reason"] = clean_text(values.get("close_reason"), "close_reason", "reason", 500)
    return cleaned


# Create, edit, delete

def _notify_owner(opportunity: Opportunity) -> None:
    """Tell a member a deal was given to them (not when they gave it to themselves)."""
    if opportunity.owner_id is None or opportunity.owner_id == actor_id():
        return
    from crm.services.notifications import notify_assigned

    notify_assigned(opportunity.owner_id, opportunity.name, "opportunity", _link(opportunity),
                    f"opportunity:{opportunity.id}")


def _link(opportunity: Opportunity) -> str | None:
    try:
        return url_for("opportunities.opportunities_show", opportunity_id=opportunity.id)
    except (BuildError, RuntimeError):  # outside a request (the CLI, a job)
        return None


def _record_initial_stage(opportunity: Opportunity) -> None:
    from crm.services.stage_moves import record_initial_stage  # it imports this module's neighbours

    record_initial_stage(opportunity)


def create_opportunity(values: Mapping[str, str], *, lead_id: int | None = None) -> Opportunity:
    cleaned = clean(values)
    stage = check_stage(values.get("stage_id")) if str(values.get("stage_id") or "").strip() else first_open_stage()
    if stage.kind != "open" and not cleaned.get("close_reason"):
        raise ServiceError(f"A deal created in the {stage.kind} stage {stage.name} needs the reason it was "
                           f"{stage.kind}.", "close_reason")
    now = clock.now()
    opportunity = Opportunity(**cleaned, stage_id=stage.id, lead_id=lead_id, created_by_id=actor_id(),
                              stage_entered_at=now, closed_at=now if stage.kind != "open" else None)
    db.session.add(opportunity)
    db.session.flush()
    _record_initial_stage(opportunity)
    record_event("created", f"Opportunity {opportunity.name} created", company_id=opportunity.company_id,
                 contact_id=opportunity.contact_id, opportunity_id=opportunity.id)
    _notify_owner(opportunity)
    return opportunity


def update_opportunity(opportunity: Opportunity, values: Mapping[str, str]) -> bool:
    """Edit fields (not the stage: ``stage_moves.move_opportunity``); True when something changed."""
    cleaned = clean(values, opportunity)
    if "close_reason" in cleaned and not cleaned["close_reason"] and opportunity.close_reason:
        kind = db.session.scalar(sa.select(PipelineStage.kind).where(PipelineStage.id == opportunity.stage_id))
        if kind in ("won", "lost"):
            raise ServiceError(f"A {kind} deal keeps the reason it was {kind}; change the text instead of "
                               "clearing it.", "close_reason")
    changed = {k: v for k, v in cleaned.items() if getattr(opportunity, k) != v}
    previous_owner = opportunity.owner_id
    for key, value in changed.items():
        setattr(opportunity, key, value)
    if changed:
        record_event("updated", "Changed " + ", ".join(FIELD_LABELS.get(k, k) for k in changed),
                     company_id=opportunity.company_id, contact_id=opportunity.contact_id,
                     opportunity_id=opportunity.id, data={"fields": sorted(changed)})
    if "company_id" in changed:
        _move_activity(opportunity)
    if "owner_id" in changed and opportunity.owner_id != previous_owner:
        _notify_owner(opportunity)
    return bool(changed)


def _move_activity(opportunity: Opportunity) -> None:
    """The deal's interactions, notes, tasks and timeline follow it to its new company's page."""
    from crm.models import ActivityEvent
    from crm.models import Interaction
    from crm.models import Note
    from crm.models import Task

    for model in (Interaction, Note, Task, ActivityEvent):
        db.session.execute(sa.update(model).where(model.opportunity_id == opportunity.id)
                           .values(company_id=opportunity.company_id), execution_options={"synchronize_session": False})


def delete_opportunity(opportunity: Opportunity) -> None:
    soft_delete(opportunity)
    record_event("deleted", f"Opportunity {opportunity.name} deleted", company_id=opportunity.company_id,
                 opportunity_id=opportunity.id)


def restore_opportunity(opportunity: Opportunity) -> None:
    restore(opportunity)
    record_event("restored", f"Opportunity {opportunity.name} restored", company_id=opportunity.company_id,
                 opportunity_id=opportunity.id)


# Figures

def effective_probability(opportunity: Opportunity, stage: PipelineStage) -> int:
    """The override when set, else the stage's."""
    return opportunity.probability if opportunity.probability is not None else stage.probability


def weighted_value(opportunity: Opportunity, stage: PipelineStage) -> Decimal:
    value = opportunity.value or Decimal("0")
    return (value * effective_probability(opportunity, stage) / 100).quantize(Decimal("0.01"))


def days_in_pipeline(opportunity: Opportunity, today: date) -> int:
    """Whole days from creation to closing (or to today while open)."""
    start = _day(opportunity.created_at) or today
    end = _day(opportunity.closed_at) or today
    return max((end - start).days, 0)


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return clock.aware(moment).date()


# The list. Its query parameters are a contract: the dashboard links to it with them
# (?status=won&closed_from=2026-01-01&closed_to=2026-03-31&owner=5, ?stage=12, ?status=open).

STATUSES = (("open", "Open"), ("won", "Won"), ("lost", "Lost"))
FAR_FUTURE = date(9999, 12, 31)
DATE_FILTERS = {"closed_from": "closed from", "closed_to": "closed until", "close_from": "expected close from",
                "close_to": "expected close until"}


def source_label(source: str | None) -> str:
    return (source or "").replace("_", " ").capitalize()


def _per_request(name: str, build):
    """Choices the list asks for several times per page (to check the URL, to draw the
    filters): one query each per request."""
    if not has_request_context():
        return build()
    cache = g.setdefault("_opportunity_choices", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


def stages() -> list[PipelineStage]:
    """The organization's stages in pipeline order."""
    return _per_request("stages", lambda: db.session.scalars(
        sa.select(PipelineStage).order_by(PipelineStage.position, PipelineStage.id)).all())


def members() -> list:
    from crm.services.leads import members as active_members

    return active_members()


def _owner_filter(value: str):
    return Opportunity.owner_id.is_(None) if value == "none" else Opportunity.owner_id == int(value)


def _status_filter(value: str):
    return Opportunity.stage_id.in_(sa.select(PipelineStage.id).where(PipelineStage.kind == value))


def org_timezone():
    from crm.services.activity import org_timezone as zone

    return zone()


def _day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the organization's timezone, as an aware moment."""
    return datetime.combine(day, time.min, tzinfo=org_timezone()).astimezone(timezone.utc)


def _date_filter(name: str):
    def where(value: str):
        day = date.fromisoformat(value)
        if name == "closed_from":
            return Opportunity.closed_at >= _day_start(day)
        if name == "closed_to":
            return Opportunity.closed_at < _day_start(day + timedelta(days=1))
        if name == "close_from":
            return Opportunity.expected_close_on >= day
        return Opportunity.expected_close_on <= day
    return where


def _search(term: str):
    return text_search.matching(
        term, lambda prefix, postgres: text_search.starts_any((Opportunity.name,), prefix, postgres),
        lambda prefix, postgres: [])


_OWNER_NAME = sa.func.coalesce(User.name, "")
_CLOSE_ON = sa.func.coalesce(Opportunity.expected_close_on, sa.literal(FAR_FUTURE, sa.Date))
# Exact and integral, so a page cursor holds it as a JSON number.
_VALUE_CENTS = sa.cast(sa.func.round(Opportunity.value * 100), sa.BigInteger)

LIST = ListSpec(
    model=Opportunity,
    sorts={"created_at": ("Created", Opportunity.created_at), "name": ("Name", Opportunity.name),
           "value": ("Value", _VALUE_CENTS), "expected_close_on": ("Expected close", _CLOSE_ON),
           "stage": ("Stage", PipelineStage.position), "owner": ("Owner", _OWNER_NAME)},
    default_sort="-created_at",
    search=_search,
    sort_values={"value": lambda row: int((row.value or 0) * 100),
                 "expected_close_on": lambda row: (row.expected_close_on or FAR_FUTURE).isoformat(),
                 "stage": lambda row: row.stage_position,
                 "owner": lambda row: row.owner_name or ""},
    filters={
        "stage": Filter("Stage", lambda v: Opportunity.stage_id == int(v),
                        lambda: [(str(s.id), s.name) for s in stages()]),
        "status": Filter("Status", _status_filter, lambda: list(STATUSES)),
        "owner": Filter("Owner", _owner_filter,
                        lambda: [("none", "Nobody")] + [(str(u.id), u.name) for u in members()]),
        "source": Filter("Source", lambda v: Opportunity.source == v,
                         lambda: [(s, source_label(s)) for s in LEAD_SOURCES]),
        **{name: Filter(label.capitalize(), _date_filter(name)) for name, label in DATE_FILTERS.items()},
    },
)


def parse_list_state(args) -> listing.ListState:
    """The list's state from the URL; a date filter that is not a date is dropped with a notice."""
    state = listing.parse_state(LIST, args)
    for name, label in DATE_FILTERS.items():
        value = state.filters.get(name)
        if value is None:
            continue
        try:
            if len(value) != 10:
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            del state.filters[name]
            state.notices.append(f"Ignored the {label} filter: “{value[:40]}” is not a date like 2026-03-31.")
    return state


def _joined(query):
    return (query.join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
            .outerjoin(User, User.id == Opportunity.owner_id)
            .where(Opportunity.deleted_at.is_(None)))


def list_query():
    """Opportunities as objects with their stage, owner and company (the CSV export)."""
    return (_joined(sa.select(Opportunity))
            .options(contains_eager(Opportunity.stage), contains_eager(Opportunity.owner),
                     joinedload(Opportunity.company)))


ROW_COLUMNS = (Opportunity.id, Opportunity.name, Opportunity.value, Opportunity.probability,
               Opportunity.expected_close_on, Opportunity.created_at, Opportunity.closed_at, Opportunity.company_id,
               Opportunity.source)


def list_page(state: listing.ListState) -> listing.Page:
    """One page of rows read as plain columns (name, company, stage, owner in the same query)."""
    rows = (_joined(sa.select(*ROW_COLUMNS, Company.name.label("company_name"),
                              PipelineStage.name.label("stage_name"), PipelineStage.kind.label("stage_kind"),
                              PipelineStage.position.label("stage_position"),
                              PipelineStage.probability.label("stage_probability"),
                              User.name.label("owner_name")))
            .outerjoin(Company, sa.and_(Company.id == Opportunity.company_id, Company.deleted_at.is_(None))))
    return listing.paginate(LIST, state, rows)


def row_probability(row) -> int:
    return row.probability if row.probability is not None else row.stage_probability


def row_weighted(row) -> Decimal:
    return ((row.value or Decimal("0")) * row_probability(row) / 100).quantize(Decimal("0.01"))


EXPORT_HEADER = ("id", "name", "company", "stage", "status", "value", "probability", "weighted_value",
                 "expected_close_on", "source", "owner", "competitor", "close_reason", "closed_at", "created_at")


def export_row(opportunity: Opportunity) -> list:
    stage = opportunity.stage
    company = opportunity.company
    return [opportunity.id, opportunity.name, company.name if company and company.deleted_at is None else "",
            stage.name, stage.kind, f"{opportunity.value:.2f}", effective_probability(opportunity, stage),
            f"{weighted_value(opportunity, stage):.2f}", opportunity.expected_close_on.isoformat()
            if opportunity.expected_close_on else "", opportunity.source or "",
            opportunity.owner.name if opportunity.owner else "", opportunity.competitor or "",
            opportunity.close_reason or "", opportunity.closed_at.isoformat() if opportunity.closed_at else "",
            opportunity.created_at.isoformat()]


# Record pages

def overview(opportunity: Opportunity) -> dict:
    """What the record page shows besides the opportunity itself, in one query: its stage,
    company, contact, owner and the lead it came from."""
    from crm.models import Lead

    row = db.session.execute(
        sa.select(PipelineStage, Company, Contact, User, Lead)
        .select_from(PipelineStage)
        .outerjoin(Company, sa.and_(Company.id == opportunity.company_id, Company.deleted_at.is_(None)))
        .outerjoin(Contact, sa.and_(Contact.id == opportunity.contact_id, Contact.deleted_at.is_(None)))
        .outerjoin(User, User.id == opportunity.owner_id)
        .outerjoin(Lead, Lead.id == opportunity.lead_id)
        .where(PipelineStage.id == opportunity.stage_id)).first()
    stage, company, contact, owner, lead = row if row else (None, None, None, None, None)
    return {"stage": stage, "company": company, "contact": contact, "owner": owner, "lead": lead}


def of_record(*, company_id: int | None = None, contact_id: int | None = None, limit: int = 50) -> list:
    """A company's or a contact's opportunities with their stage, newest first (one query)."""
    column = Opportunity.company_id if company_id is not None else Opportunity.contact_id
    wanted = company_id if company_id is not None else contact_id
    return db.session.execute(
        sa.select(Opportunity.id, Opportunity.name, Opportunity.value, Opportunity.probability,
                  Opportunity.expected_close_on, PipelineStage.name.label("stage_name"),
                  PipelineStage.kind.label("stage_kind"), PipelineStage.probability.label("stage_probability"))
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .where(column == wanted, Opportunity.deleted_at.is_(None))
        .order_by(Opportunity.created_at.desc(), Opportunity.id.desc()).limit(limit)).all()


def format_money(amount, currency: str) -> str:
    """ "USD 1,200.50": every amount is in the organization's currency."""
    if amount is None:
        return "—"
    return f"{currency} {Decimal(amount):,.2f}"
