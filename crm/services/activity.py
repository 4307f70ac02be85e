"""What happens to a company, contact, lead or opportunity: interactions, notes with @mentions, tasks,
and the activity panel a record page shows (loaded in a fixed number of queries).

Every change adds an ``ActivityEvent`` (``records.record_event``) naming the records it
belongs to, so a record's timeline is one indexed query. Work logged on a contact that
belongs to a company (or a deal that does) also carries the company's id, so the company's page shows it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import has_request_context
from flask import url_for
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import Interaction
from crm.models import Lead
from crm.models import Membership
from crm.models import Note
from crm.models import Opportunity
from crm.models import Organization
from crm.models import Task
from crm.models import User
from crm.models.activity import INTERACTION_KINDS
from crm.models.activity import SENTIMENTS
from crm.models.activity import TASK_PRIORITIES
from crm.services import ServiceError
from crm.services import notifications
from crm.services import records
from crm.services import tags as tag_service
from tenants.context import require_org_id

RECORD_MODELS = {"company": Company, "contact": Contact, "lead": Lead, "opportunity": Opportunity}
PLURALS = {"company": "companies", "contact": "contacts", "lead": "leads", "opportunity": "opportunities"}
TIMELINE_LIMIT = 50
INTERACTIONS_LIMIT = 100
NOTES_LIMIT = 100
OPEN_TASKS_LIMIT = 200
DONE_TASKS_LIMIT = 10
BODY_MAX = 10_000
MAX_DURATION = 7 * 24 * 60
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
# "@" then a member's email: unique in the organization, so a mention is never ambiguous.
MENTION = re.compile(r"(?<![\w.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")


# Records and their links

def record_name(kind: str, record) -> str:
    return record.name if kind in ("company", "opportunity") else record.full_name


def links_for(kind: str, record) -> dict[str, int | None]:
    """The record ids a row logged on this record carries (a contact's or an opportunity's
    company too, so that the company's page shows it)."""
    if kind == "company":
        return {"company_id": record.id, "contact_id": None, "lead_id": None, "opportunity_id": None}
    if kind == "contact":
        return {"company_id": record.company_id, "contact_id": record.id, "lead_id": None, "opportunity_id": None}
    if kind == "lead":
        return {"company_id": None, "contact_id": None, "lead_id": record.id, "opportunity_id": None}
    if kind == "opportunity":
        return {"company_id": record.company_id, "contact_id": None, "lead_id": None, "opportunity_id": record.id}
    raise ValueError(f"unknown record kind {kind!r}")


def _links_of(item) -> dict[str, int | None]:
    return {"company_id": item.company_id, "contact_id": item.contact_id, "lead_id": item.lead_id,
            "opportunity_id": item.opportunity_id}


def primary_kind(item) -> str:
    """The record an item was logged on (a contact's or an opportunity's item also names its company)."""
    if item.opportunity_id is not None:
        return "opportunity"
    if item.contact_id is not None:
        return "contact"
    if item.lead_id is not None:
        return "lead"
    return "company"


def record_url(kind: str, record_id: int) -> str:
    """The record page's address (``companies.companies_show`` ...), as a path."""
    plural = PLURALS[kind]
    if has_request_context():
        try:
            return url_for(f"{plural}.{plural}_show", **{f"{kind}_id": record_id})
        except (BuildError, KeyError):  # KeyError: tenants.web._fill_org on an unknown endpoint
            pass
    slug = db.session.get(Organization, require_org_id()).slug
    return f"/{slug}/{plural}/{record_id}"


def _event(kind: str, summary: str, item, data: dict | None = None) -> None:
    records.record_event(kind, summary, data=data, **_links_of(item))


def kind_label(kind: str) -> str:
    """How an interaction's kind reads in a sentence: Call, Email ... SMS."""
    return "SMS" if kind == "sms" else kind.capitalize()


def _quoted(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


# Time

def org_timezone() -> ZoneInfo:
    """The organization's timezone (its row is already in the session during a request)."""
    org = db.session.get(Organization, require_org_id())
    try:
        return ZoneInfo(org.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(tz: ZoneInfo) -> datetime:
    return clock.now().astimezone(tz)


def to_local_input(moment: datetime | None, tz: ZoneInfo) -> str:
    """A stored time as a ``datetime-local`` input value in the organization's timezone."""
    return clock.aware(moment).astimezone(tz).strftime(LOCAL_INPUT_FORMAT) if moment else ""


def _check_year(year: int, field_name: str) -> None:
    if not 1900 <= year <= 2999:
        raise ServiceError("That date is out of range: use a year from 1900 to 2999.", field_name)


def parse_local_datetime(value, tz: ZoneInfo, field_name: str = "occurred_at") -> datetime:
    """A ``datetime-local`` value (organization's time) as UTC; empty means now."""
    value = (value or "").strip()
    if not value:
        return clock.now()
    moment = None
    for fmt in (LOCAL_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            moment = datetime.strptime(value[:40], fmt)
            break
        except ValueError:
            continue
    if moment is None:
        raise ServiceError(f"“{value[:40]}” is not a date and time. Use the picker, or type it like 2025-03-31T14:30.",
                           field_name)
    _check_year(moment.year, field_name)
    return moment.replace(tzinfo=tz).astimezone(timezone.utc)


def parse_date(value, field_name: str = "due_on") -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:40])
    except ValueError:
        raise ServiceError(f"“{value[:40]}” is not a date. Use the picker, or type it like 2025-03-31.", field_name) from None
    _check_year(day.year, field_name)
    return day


def _text(values: Mapping, name: str, label: str, max_length: int, required: bool = False) -> str | None:
    return records.clean_text(values.get(name), name, label, max_length, required)


def _duration(value) -> int | None:
    value = str(value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise ServiceError("Enter the duration as a whole number of minutes, 0 or more.", "duration_minutes")
    minutes = int(value) if len(value) <= 6 else MAX_DURATION + 1
    if minutes > MAX_DURATION:
        raise ServiceError(f"Keep the duration to {MAX_DURATION} minutes (one week) or less.", "duration_minutes")
    return minutes


# Interactions

def _interaction_fields(values: Mapping, tz: ZoneInfo) -> dict:
    return {
        "kind": records.clean_choice(values.get("kind"), INTERACTION_KINDS, "kind", "kind of interaction", required=True),
        "subject": _text(values, "subject", "subject", 200, required=True),
        "body": _text(values, "body", "details", BODY_MAX) or "",
        "occurred_at": parse_local_datetime(values.get("occurred_at"), tz),
        "duration_minutes": _duration(values.get("duration_minutes")),
        "outcome": _text(values, "outcome", "outcome", 200),
        "next_step": _text(values, "next_step", "next step", 200),
        "sentiment": records.clean_choice(values.get("sentiment"), SENTIMENTS, "sentiment", "sentiment"),
    }


def _refresh_last_contacted(contact_id: int | None) -> None:
    """A contact's last contact: its latest live interaction that has already happened."""
    if contact_id is None:
        return
    latest = db.session.scalar(sa.select(sa.func.max(Interaction.occurred_at)).where(
        Interaction.contact_id == contact_id, Interaction.deleted_at.is_(None), Interaction.occurred_at <= clock.now()))
    contact = db.session.get(Contact, contact_id)
    if contact is not None:
        contact.last_contacted_at = latest


def log_interaction(kind: str, record, values: Mapping, tz: ZoneInfo) -> Interaction:
    """Log a call, email, meeting ... on a record; it also updates a contact's last contact."""
    interaction = Interaction(**_interaction_fields(values, tz), **links_for(kind, record),
                              user_id=records.actor_id(), created_by_id=records.actor_id())
    db.session.add(interaction)
    db.session.flush()
    with_whom = f" with {record_name(kind, record)}" if kind == "contact" else ""
    _event("interaction.logged", f"{kind_label(interaction.kind)} logged{with_whom}: {_quoted(interaction.subject)}",
           interaction, {"interaction_id": interaction.id})
    _refresh_last_contacted(interaction.contact_id)
    return interaction


def update_interaction(interaction: Interaction, values: Mapping, tz: ZoneInfo) -> bool:
    """Save changes; returns False (and records nothing) when nothing changed."""
    fields = _interaction_fields(values, tz)
    if (values.get("occurred_at") or "").strip() == to_local_input(interaction.occurred_at, tz):
        fields["occurred_at"] = clock.aware(interaction.occurred_at)  # unchanged to the minute the form shows
    before = {name: getattr(interaction, name) for name in fields}
    before["occurred_at"] = clock.aware(before["occurred_at"]) if before["occurred_at"] else None
    changed = [name for name, value in fields.items() if before[name] != value]
    if not changed:
        return False
    for name in changed:
        setattr(interaction, name, fields[name])
    db.session.flush()
    _event("interaction.edited", f"{kind_label(interaction.kind)} edited: {_quoted(interaction.subject)}", interaction,
           {"interaction_id": interaction.id, "fields": changed})
    _refresh_last_contacted(interaction.contact_id)
    return True


def delete_interaction(interaction: Interaction) -> None:
    records.soft_delete(interaction)
    db.session.flush()
    _event("interaction.deleted", f"{kind_label(interaction.kind)} deleted: {_quoted(interaction.subject)}", interaction,
           {"interaction_id": interaction.id})
    _refresh_last_contacted(interaction.contact_id)


def restore_interaction(interaction: Interaction) -> None:
    if interaction.deleted_at is None:
        return
    records.restore(interaction)
    db.session.flush()
    _event("interaction.restored", f"{kind_label(interaction.kind)} restored: {_quoted(interaction.subject)}", interaction,
           {"interaction_id": interaction.id})
    _refresh_last_contacted(interaction.contact_id)


# Notes and mentions

@dataclass
class Mentions:
    """Who a note's mentions reached: members notified now, and addresses that are nobody here."""

    notified: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def mentioned_emails(body: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def _notify_mentions(note: Note, kind: str, record_label: str) -> Mentions:
    """One notification per mentioned active member and note, however often the note is saved."""
    result = Mentions()
    emails = mentioned_emails(note.body)
    if not emails:
        return result
    members = db.session.execute(
        sa.select(User.id, User.name, sa.func.lower(User.email)).join(Membership, Membership.user_id == User.id)
        .where(Membership.active.is_(True), sa.func.lower(User.email).in_(emails))
    ).all()
    found = {email: (user_id, name) for user_id, name, email in members}
    result.unknown = [email for email in emails if email not in found]
    author = notifications.actor_name()
    link = record_url(kind, getattr(note, f"{kind}_id"))
    for user_id, name in found.values():
        # notify() skips the author, and a key already used (this note saved again, or the
        # same save racing in another request).
        if notifications.notify(user_id, "mention", f"{author} mentioned you in a note on {record_label}", link,
                                f"mention:note:{note.id}:user:{user_id}"):
            result.notified.append(name)
    return result


def _note_body(values: Mapping) -> str:
    return records.clean_text(values.get("body"), "body", "note", BODY_MAX, required=True)


def add_note(kind: str, record, values: Mapping) -> tuple[Note, Mentions]:
    note = Note(body=_note_body(values), pinned=False, author_id=records.actor_id(), created_by_id=records.actor_id(),
                **links_for(kind, record))
    db.session.add(note)
    db.session.flush()
    on = f" on {record_name(kind, record)}" if kind == "contact" else ""
    _event("note.added", f"Note added{on}: {_quoted(note.body)}", note, {"note_id": note.id})
    return note, _notify_mentions(note, kind, record_name(kind, record))


def update_note(note: Note, values: Mapping, kind: str, record) -> Mentions | None:
    """Save a note's new text; None when it did not change. Only new mentions notify."""
    body = _note_body(values)
    if body == note.body:
        return None
    note.body = body
    db.session.flush()
    _event("note.edited", f"Note edited: {_quoted(note.body)}", note, {"note_id": note.id})
    return _notify_mentions(note, kind, record_name(kind, record))


def set_pinned(note: Note, pinned: bool) -> bool:
    if note.pinned == pinned:
        return False
    note.pinned = pinned
    _event("note.pinned" if pinned else "note.unpinned", f"Note {'pinned' if pinned else 'unpinned'}: {_quoted(note.body)}",
           note, {"note_id": note.id})
    return True


def delete_note(note: Note) -> None:
    records.soft_delete(note)
    _event("note.deleted", f"Note deleted: {_quoted(note.body)}", note, {"note_id": note.id})


def restore_note(note: Note) -> None:
    if note.deleted_at is None:
        return
    records.restore(note)
    _event("note.restored", f"Note restored: {_quoted(note.body)}", note, {"note_id": note.id})


# Tasks

def check_assignee(value) -> int | None:
    """An assignee from a form: empty means nobody, else an active member of this organization."""
    try:
        return records.check_owner(value, "assignee_id")
    except ServiceError:
        raise ServiceError("Pick the assignee from the list: that person is not an active member here.",
                           "assignee_id") from None


def _task_fields(values: Mapping) -> dict:
    return {
        "title": _text(values, "title", "task title", 200, required=True),
        "due_on": parse_date(values.get("due_on")),
        "priority": records.clean_choice(values.get("priority"), TASK_PRIORITIES, "priority", "priority") or "normal",
        "assignee_id": check_assignee(values.get("assignee_id")),
    }


def add_task(kind: str, record, values: Mapping) -> Task:
    task = Task(**_task_fields(values), **links_for(kind, record), created_by_id=records.actor_id())
    db.session.add(task)
    db.session.flush()
    on = f" for {record_name(kind, record)}" if kind == "contact" else ""
    due = f", due {task.due_on.isoformat()}" if task.due_on else ""
    _event("task.added", f"Task added{on}: {_quoted(task.title)}{due}", task, {"task_id": task.id})
    return task


def update_task(task: Task, values: Mapping) -> bool:
    fields = _task_fields(values)
    changed = [name for name, value in fields.items() if getattr(task, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(task, name, fields[name])
    _event("task.edited", f"Task edited: {_quoted(task.title)}", task, {"task_id": task.id, "fields": changed})
    return True


def set_done(task: Task, done: bool) -> bool:
    if (task.done_at is not None) == done:
        return False
    task.done_at = clock.now() if done else None
    _event("task.done" if done else "task.reopened", f"Task {'done' if done else 'reopened'}: {_quoted(task.title)}",
           task, {"task_id": task.id})
    return True


def delete_task(task: Task) -> None:
    records.soft_delete(task)
    _event("task.deleted", f"Task deleted: {_quoted(task.title)}", task, {"task_id": task.id})


def restore_task(task: Task) -> None:
    if task.deleted_at is None:
        return
    records.restore(task)
    _event("task.restored", f"Task restored: {_quoted(task.title)}", task, {"task_id": task.id})


# Reading: the activity panel of a record page

def _on_record(model, kind: str, record_id: int):
    """Rows shown on a record's page: a company's include those logged on its contacts."""
    return getattr(model, f"{kind}_id") == record_id


def load_interactions(kind: str, record_id: int) -> list[Interaction]:
    return db.session.scalars(
        sa.select(Interaction).options(joinedload(Interaction.user))
        .where(_on_record(Interaction, kind, record_id), Interaction.deleted_at.is_(None))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(INTERACTIONS_LIMIT)
    ).all()


def load_notes(kind: str, record_id: int) -> list[Note]:
    return db.session.scalars(
        sa.select(Note).options(joinedload(Note.author))
        .where(_on_record(Note, kind, record_id), Note.deleted_at.is_(None))
        .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc()).limit(NOTES_LIMIT)
    ).all()


def load_tasks(kind: str, record_id: int) -> tuple[list[Task], list[Task]]:
    """Open tasks (soonest due first, undated last) and the few most recently done."""
    base = (sa.select(Task).options(joinedload(Task.assignee))
            .where(_on_record(Task, kind, record_id), Task.deleted_at.is_(None)))
    open_tasks = db.session.scalars(
        base.where(Task.done_at.is_(None))
        .order_by(Task.due_on.is_(None), Task.due_on, Task.id).limit(OPEN_TASKS_LIMIT)).all()
    done = db.session.scalars(
        base.where(Task.done_at.is_not(None)).order_by(Task.done_at.desc(), Task.id.desc()).limit(DONE_TASKS_LIMIT)).all()
    return open_tasks, done


def load_timeline(kind: str, record_id: int, limit: int = TIMELINE_LIMIT) -> list[ActivityEvent]:
    """Newest first; a company's timeline includes what happened on its contacts."""
    return db.session.scalars(
        sa.select(ActivityEvent).options(joinedload(ActivityEvent.actor))
        .where(_on_record(ActivityEvent, kind, record_id))
        .order_by(ActivityEvent.occurred_at.desc(), ActivityEvent.id.desc()).limit(limit)
    ).all()


def _deal_names(kind: str, items) -> dict[int, str]:
    """On a company page, the opportunity each item was logged on (one query, always run)."""
    ids = {i.opportunity_id for i in items if i.opportunity_id is not None}
    return dict(db.session.execute(sa.select(Opportunity.id, Opportunity.name).where(Opportunity.id.in_(ids))).all())


def _contact_names(kind: str, items) -> dict[int, str]:
    """On a company page, the contact each item was logged on (one query, always run)."""
    if kind != "company":
        return {}
    ids = {i.contact_id for i in items if i.contact_id is not None}
    rows = db.session.scalars(sa.select(Contact).where(Contact.id.in_(ids))).all()
    return {c.id: c.full_name for c in rows}


SECTIONS = ("interactions", "notes", "tasks", "tags", "timeline")


def panel_context(kind: str, record, sections=SECTIONS) -> dict:
    """Everything a record page's activity panel shows, in a fixed number of queries.

    ``sections`` limits the work to what one fragment needs; the keys it leaves out are
    simply absent. Queries: interactions, notes, open and done tasks, contact and deal names (a
    company's page only), members, record tags and tag choices, timeline.
    """
    if kind not in RECORD_MODELS:
        raise ValueError(f"unknown record kind {kind!r}")
    tz = org_timezone()
    panel: dict = {
        "kind": kind, "record_id": record.id, "key": {f"{kind}_id": record.id}, "label": record_name(kind, record),
        "tz": tz, "now_input": to_local_input(clock.now(), tz), "today": local_now(tz).date(),
        "kinds": INTERACTION_KINDS, "sentiments": SENTIMENTS, "priorities": TASK_PRIORITIES,
        "contact_names": {}, "deal_names": {},
    }
    items: list = []
    if "interactions" in sections:
        panel["interactions"] = load_interactions(kind, record.id)
        items += panel["interactions"]
    if "notes" in sections:
        panel["notes"] = load_notes(kind, record.id)
        items += panel["notes"]
    if "tasks" in sections:
        panel["tasks"], panel["done_tasks"] = load_tasks(kind, record.id)
        items += panel["tasks"] + panel["done_tasks"]
        panel["members"] = records.active_members()
    if kind == "company" and {"interactions", "notes", "tasks"} & set(sections):
        panel["contact_names"] = _contact_names(kind, items)
        panel["deal_names"] = _deal_names(kind, items)
    if "tags" in sections:
        panel["tags"] = tag_service.tags_of(kind, record.id)
        on = {t.id for t in panel["tags"]}
        panel["tag_choices"] = [t for t in tag_service.all_tags() if t.id not in on]
    if "timeline" in sections:
        panel["events"] = load_timeline(kind, record.id)
    return panel


# Reading: my tasks

def my_tasks(user_id: int) -> dict:
    """A member's open tasks on live records: overdue, due today, upcoming (and undated),
    by the organization's calendar. One query."""
    tz = org_timezone()
    today = local_now(tz).date()
    rows = db.session.execute(
        sa.select(Task, Company.name, Contact.first_name, Contact.last_name, Contact.email,
                  Lead.first_name, Lead.last_name, Lead.email, Opportunity.name)
        .outerjoin(Company, Company.id == Task.company_id)
        .outerjoin(Contact, Contact.id == Task.contact_id)
        .outerjoin(Lead, Lead.id == Task.lead_id)
        .outerjoin(Opportunity, Opportunity.id == Task.opportunity_id)
        .where(Task.assignee_id == user_id, Task.done_at.is_(None), Task.deleted_at.is_(None),
               Company.deleted_at.is_(None), Contact.deleted_at.is_(None), Lead.deleted_at.is_(None),
               Opportunity.deleted_at.is_(None))
        .order_by(Task.due_on.is_(None), Task.due_on, Task.id).limit(500)
    ).all()
    groups: dict[str, list] = {"overdue": [], "today": [], "upcoming": []}
    for task, company, c_first, c_last, c_email, l_first, l_last, l_email, opportunity in rows:
        kind = primary_kind(task)
        if kind == "opportunity":
            label = opportunity
        elif kind == "contact":
            label = " ".join(p for p in (c_first, c_last) if p) or c_email or "(no name)"
        elif kind == "lead":
            label = " ".join(p for p in (l_first, l_last) if p) or l_email or "(no name)"
        else:
            label = company
        entry = {"task": task, "kind": kind, "label": label,
                 "url": record_url(kind, getattr(task, f"{kind}_id"))}
        if task.due_on is not None and task.due_on < today:
            groups["overdue"].append(entry)
        elif task.due_on == today:
            groups["today"].append(entry)
        else:
            groups["upcoming"].append(entry)
    return {"groups": groups, "today": today, "tz": tz}
