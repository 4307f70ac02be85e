"""Contacts: validation, emails and phones with exactly one primary each, duplicate checks,
merging two contacts, bulk actions, and the list spec.

``Contact.email`` and ``Contact.phone`` are copies of the primary email and phone (lists,
search and duplicate checks read them); every change to the emails or phones updates them
in the same transaction (``_sync_primary``).
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import Lead
from crm.models import Note
from crm.models import Tag
from crm.models import Task
from crm.models.people import CONTACT_METHODS
from crm.models.people import EMAIL_KINDS
from crm.models.people import PHONE_KINDS
from crm.services import ServiceError
from crm.services import text_search
from crm.services.listing import Filter
from crm.services.listing import ListSpec
from crm.services.listing import ListState
from crm.services.listing import parse_state
from crm.services.records import active_members
from crm.services.records import check_owner
from crm.services.records import clean_choice
from crm.services.records import clean_text
from crm.services.records import normalize_email
from crm.services.records import normalize_phone
from crm.services.records import record_event
from crm.services.records import restore
from crm.services.records import soft_delete

FIELDS = ("first_name", "last_name", "title", "company_id", "preferred_contact_method", "owner_id")
FIELD_LABELS = {"first_name": "first name", "last_name": "last name", "title": "title", "company_id": "company",
                "preferred_contact_method": "preferred contact method", "owner_id": "owner"}
METHOD_LABELS = {"email": "Email", "phone": "Phone call", "sms": "SMS", "meeting": "Meeting", "none": "Do not contact"}
MAX_POINTS = 20  # emails (or phones) on one contact
MAX_BIGINT = 2**63 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class PossibleDuplicates(Exception):
    """The email or phone is already on another contact or a lead: nothing was written.

    The form shows the matches and offers to go ahead anyway (``confirm_duplicate=1``).
    """

    def __init__(self, duplicates: list["Duplicate"]):
        super().__init__("possible duplicates")
        self.duplicates = duplicates


@dataclass
class Duplicate:
    kind: str                      # "contact" or "lead"
    id: int
    name: str
    matched: list[str] = field(default_factory=list)  # "email ada@example.com", "phone +14155550100"


def parse_id(value) -> int | None:
    """A database id from a form or URL argument, or None when it cannot be one."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_BIGINT else None


def is_confirmed(form) -> bool:
    return (form.get("confirm_duplicate") or "") in ("1", "on", "true", "yes")


# Loading

def load_contact(contact_id: int, include_deleted: bool = False) -> Contact | None:
    """A contact with its emails, phones, company and owner (the record page needs them all)."""
    if parse_id(contact_id) is None:
        return None
    query = (sa.select(Contact).where(Contact.id == contact_id)
             .options(selectinload(Contact.emails), selectinload(Contact.phones),
                      joinedload(Contact.company.and_(Company.deleted_at.is_(None))), joinedload(Contact.owner)))
    if not include_deleted:
        query = query.where(Contact.deleted_at.is_(None))
    return db.session.scalars(query).unique().one_or_none()


def ordered(items: list) -> list:
    """Emails or phones as the page shows them: the primary first, then oldest first."""
    return sorted(items, key=lambda item: (not item.is_primary, item.id or 0))


# Validation

def check_company(value, field_name: str = "company_id") -> int | None:
    """A company id from a form: empty means none; otherwise a live company of this org."""
    if value in (None, "", "none"):
        return None
    company_id = parse_id(value)
    company = db.session.scalar(sa.select(Company.id).where(Company.id == company_id, Company.deleted_at.is_(None))) \
        if company_id else None
    if company is None:
        raise ServiceError("That company is not in this organization. Pick a company from the list, or leave it empty.",
                           field_name)
    return company_id


def clean(form) -> dict:
    """Validated contact fields from a form; raises ServiceError naming the first bad field."""
    values = {
        "first_name": clean_text(form.get("first_name"), "first_name", "first name", 100) or "",
        "last_name": clean_text(form.get("last_name"), "last_name", "last name", 100) or "",
        "title": clean_text(form.get("title"), "title", "title", 120),
        "company_id": check_company(form.get("company_id")),
        "preferred_contact_method": clean_choice(form.get("preferred_contact_method"), CONTACT_METHODS,
                                                 "preferred_contact_method", "preferred contact method"),
        "owner_id": check_owner(form.get("owner_id")),
    }
    if not values["first_name"] and not values["last_name"]:
        raise ServiceError("Enter a first name or a last name.", "first_name")
    return values


def _email_kind(value, field_name: str = "email_kind") -> str:
    return clean_choice(value or "work", EMAIL_KINDS, field_name, "email type", required=True)


def _phone_kind(value, field_name: str = "phone_kind") -> str:
    return clean_choice(value or "mobile", PHONE_KINDS, field_name, "phone type", required=True)


# Duplicates

def find_duplicates(emails=(), phones=(), exclude_contact_id: int | None = None) -> list[Duplicate]:
    """Live contacts and leads that already have one of these emails (normalised, so
    case-insensitive and trimmed) or phones (E.164). Three queries at most."""
    emails = sorted({e for e in emails if e})
    phones = sorted({p for p in phones if p})
    found: dict[tuple[str, int], Duplicate] = {}

    def note(kind, record_id, name, matched):
        entry = found.setdefault((kind, record_id), Duplicate(kind, record_id, name))
        if matched not in entry.matched:
            entry.matched.append(matched)

    not_this = Contact.id != exclude_contact_id if exclude_contact_id else sa.true()
    if emails:
        rows = db.session.execute(
            sa.select(Contact, ContactEmail.email).join(ContactEmail, ContactEmail.contact_id == Contact.id)
            .where(ContactEmail.email.in_(emails), Contact.deleted_at.is_(None), not_this)
            .order_by(Contact.id).limit(20)).all()
        for contact, email in rows:
            note("contact", contact.id, contact.full_name, f"email {email}")
    if phones:
        rows = db.session.execute(
            sa.select(Contact, ContactPhone.number).join(ContactPhone, ContactPhone.contact_id == Contact.id)
            .where(ContactPhone.number.in_(phones), Contact.deleted_at.is_(None), not_this)
            .order_by(Contact.id).limit(20)).all()
        for contact, number in rows:
            note("contact", contact.id, contact.full_name, f"phone {number}")
    lead_match = []
    if emails:
        lead_match.append(sa.func.lower(sa.func.trim(Lead.email)).in_(emails))
    if phones:
        lead_match.append(Lead.phone.in_(phones))
    if lead_match:
        leads = db.session.scalars(sa.select(Lead).where(sa.or_(*lead_match), Lead.deleted_at.is_(None))
                                  .order_by(Lead.id).limit(20)).all()
        for lead in leads:
            if lead.email and lead.email.strip().lower() in emails:
                note("lead", lead.id, lead.full_name, f"email {lead.email.strip().lower()}")
            if lead.phone and lead.phone in phones:
                note("lead", lead.id, lead.full_name, f"phone {lead.phone}")
    return list(found.values())


# Create, edit, delete

def _links(contact: Contact) -> dict:
    """The records an event about this contact appears on (its company's timeline too)."""
    return {"contact_id": contact.id, "company_id": contact.company_id}


def create_contact(form) -> Contact:
    """A contact with (optionally) one email and one phone, both primary.

    Raises ServiceError for bad input and PossibleDuplicates when the email or phone is
    already known, unless the form confirms (``confirm_duplicate=1``).
    """
    values = clean(form)
    email = normalize_email(form.get("email"), "email")
    email_kind = _email_kind(form.get("email_kind"))
    phone = normalize_phone(form.get("phone"), "phone")
    phone_kind = _phone_kind(form.get("phone_kind"))
    if not is_confirmed(form):
        duplicates = find_duplicates([email], [phone])
        if duplicates:
            raise PossibleDuplicates(duplicates)
    contact = Contact(**values)
    if email:
        contact.emails.append(ContactEmail(email=email, kind=email_kind, is_primary=True))
    if phone:
        contact.phones.append(ContactPhone(number=phone, kind=phone_kind, is_primary=True))
    _sync_primary(contact)
    db.session.add(contact)
    db.session.flush()
    record_event("created", f"Contact {contact.full_name} created", **_links(contact))
    return contact


def update_contact(contact: Contact, form) -> list[str]:
    """Save the inline edit; returns the names of the fields that changed."""
    values = clean(form)
    changed = {k: v for k, v in values.items() if getattr(contact, k) != v}
    for key, value in changed.items():
        setattr(contact, key, value)
    if changed:
        record_event("updated", f"Changed {', '.join(FIELD_LABELS[k] for k in changed)}", contact_id=contact.id,
                     data={"fields": sorted(changed)})
    return sorted(changed)


def delete_contact(contact: Contact) -> None:
    soft_delete(contact)
    record_event("deleted", f"Contact {contact.full_name} deleted", **_links(contact))


def restore_contact(contact: Contact) -> None:
    if contact.merged_into_id is not None:
        raise ServiceError("This contact was merged into another one; open that contact instead.")
    restore(contact)
    record_event("restored", f"Contact {contact.full_name} restored", **_links(contact))


# Emails and phones

def _sync_primary(contact: Contact) -> None:
    """Copy the primary email and phone onto the contact row."""
    contact.email = next((e.email for e in contact.emails if e.is_primary), None)
    contact.phone = next((p.number for p in contact.phones if p.is_primary), None)


def _ensure_one_primary(items: list) -> None:
    """Exactly one primary when there is anything: the first marked one, else the oldest."""
    primaries = [i for i in items if i.is_primary]
    keep = primaries[0] if primaries else (min(items, key=lambda i: i.id or 0) if items else None)
    for item in items:
        item.is_primary = item is keep


def _make_primary(items: list, chosen) -> None:
    for item in items:
        item.is_primary = item is chosen


def add_email(contact: Contact, form) -> ContactEmail:
    email = normalize_email(form.get("email"), "email", required=True)
    kind = _email_kind(form.get("kind"), "kind")
    if any(e.email == email for e in contact.emails):
        raise ServiceError(f"{contact.full_name} already has the email address {email}.", "email")
    if len(contact.emails) >= MAX_POINTS:
        raise ServiceError(f"A contact can have {MAX_POINTS} email addresses at most; remove one first.", "email")
    if not is_confirmed(form):
        duplicates = find_duplicates([email], [], exclude_contact_id=contact.id)
        if duplicates:
            raise PossibleDuplicates(duplicates)
    row = ContactEmail(email=email, kind=kind, is_primary=False)
    contact.emails.append(row)
    if len(contact.emails) == 1 or form.get("primary"):
        _make_primary(contact.emails, row)
    _sync_primary(contact)
    record_event("email.added", f"Email {email} added", contact_id=contact.id)
    return row


def add_phone(contact: Contact, form) -> ContactPhone:
    if not (form.get("number") or "").strip():
        raise ServiceError("Enter a phone number.", "number")
    number = normalize_phone(form.get("number"), "number")
    kind = _phone_kind(form.get("kind"), "kind")
    if any(p.number == number for p in contact.phones):
        raise ServiceError(f"{contact.full_name} already has the phone number {number}.", "number")
    if len(contact.phones) >= MAX_POINTS:
        raise ServiceError(f"A contact can have {MAX_POINTS} phone numbers at most; remove one first.", "number")
    if not is_confirmed(form):
        duplicates = find_duplicates([], [number], exclude_contact_id=contact.id)
        if duplicates:
            raise PossibleDuplicates(duplicates)
    row = ContactPhone(number=number, kind=kind, is_primary=False)
    contact.phones.append(row)
    if len(contact.phones) == 1 or form.get("primary"):
        _make_primary(contact.phones, row)
    _sync_primary(contact)
    record_event("phone.added", f"Phone {number} added", contact_id=contact.id)
    return row


def find_point(items: list, value):
    """The email or phone with this id among the contact's own, or None."""
    point_id = parse_id(value)
    return next((i for i in items if i.id == point_id), None) if point_id else None


def make_primary_email(contact: Contact, row: ContactEmail) -> None:
    if not row.is_primary:
        _make_primary(contact.emails, row)
        _sync_primary(contact)
        record_event("email.primary", f"Primary email is now {row.email}", contact_id=contact.id)


def make_primary_phone(contact: Contact, row: ContactPhone) -> None:
    if not row.is_primary:
        _make_primary(contact.phones, row)
        _sync_primary(contact)
        record_event("phone.primary", f"Primary phone is now {row.number}", contact_id=contact.id)


def remove_email(contact: Contact, row: ContactEmail) -> None:
    contact.emails.remove(row)  # delete-orphan: the row goes
    _ensure_one_primary(contact.emails)
    _sync_primary(contact)
    record_event("email.removed", f"Email {row.email} removed", contact_id=contact.id)


def remove_phone(contact: Contact, row: ContactPhone) -> None:
    contact.phones.remove(row)
    _ensure_one_primary(contact.phones)
    _sync_primary(contact)
    record_event("phone.removed", f"Phone {row.number} removed", contact_id=contact.id)


def display_phone(number: str | None) -> str:
    """An E.164 number as people write it (+44 20 7946 0958)."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# Merging

def merge_contacts(kept: Contact, other: Contact) -> dict[str, int]:
    """Move everything of ``other`` onto ``kept`` and retire ``other``, in the caller's
    transaction. Both must be loaded with ``load_contact``. Returns what moved, by kind."""
    if kept.id == other.id:
        raise ServiceError("Choose a different contact: a contact cannot be merged into itself.", "other_id")
    moved: dict[str, int] = {}

    have = {e.email for e in kept.emails}
    moved["emails"] = 0
    for row in list(other.emails):
        if row.email in have:
            other.emails.remove(row)
            continue
        row.is_primary = row.is_primary and not any(e.is_primary for e in kept.emails)
        kept.emails.append(row)
        have.add(row.email)
        moved["emails"] += 1
    _ensure_one_primary(kept.emails)

    have = {p.number for p in kept.phones}
    moved["phones"] = 0
    for row in list(other.phones):
        if row.number in have:
            other.phones.remove(row)
            continue
        row.is_primary = row.is_primary and not any(p.is_primary for p in kept.phones)
        kept.phones.append(row)
        have.add(row.number)
        moved["phones"] += 1
    _ensure_one_primary(kept.phones)

    filled = []
    for name in FIELDS:
        if not getattr(kept, name) and getattr(other, name):
            setattr(kept, name, getattr(other, name))
            filled.append(name)
    if other.last_contacted_at and (kept.last_contacted_at is None or other.last_contacted_at > kept.last_contacted_at):
        kept.last_contacted_at = other.last_contacted_at

    kept_tags = set(db.session.scalars(sa.select(ContactTag.tag_id).where(ContactTag.contact_id == kept.id)))
    if kept_tags:
        db.session.execute(sa.delete(ContactTag).where(ContactTag.contact_id == other.id, ContactTag.tag_id.in_(kept_tags)),
                           execution_options={"synchronize_session": False})
    moved["tags"] = db.session.execute(sa.update(ContactTag).where(ContactTag.contact_id == other.id)
                                       .values(contact_id=kept.id), execution_options={"synchronize_session": False}).rowcount
    for name, model in (("interactions", Interaction), ("notes", Note), ("tasks", Task), ("events", ActivityEvent)):
        # Items move to the kept contact's company too, so they show on the right company page.
        result = db.session.execute(sa.update(model).where(model.contact_id == other.id)
                                    .values(contact_id=kept.id, company_id=kept.company_id),
                                    execution_options={"synchronize_session": False})
        moved[name] = result.rowcount

    # Contacts merged into ``other`` earlier now lead to ``kept`` (their pages redirect there).
    db.session.execute(sa.update(Contact).where(Contact.merged_into_id == other.id).values(merged_into_id=kept.id),
                       execution_options={"synchronize_session": False})
    other.merged_into_id = kept.id
    _sync_primary(kept)
    _sync_primary(other)
    soft_delete(other)
    db.session.flush()
    record_event("merged", f"Merged {other.full_name} into {kept.full_name}", contact_id=kept.id,
                 company_id=kept.company_id, data={"merged_contact_id": other.id, "moved": moved, "filled": filled})
    return moved


def merge_preview(kept: Contact, other: Contact) -> dict[str, int]:
    """How many interactions, notes, tasks and tags would move (one query)."""
    def count(model):
        return sa.select(sa.func.count()).select_from(model).where(model.contact_id == other.id).scalar_subquery()

    row = db.session.execute(sa.select(count(Interaction).label("interactions"), count(Note).label("notes"),
                                       count(Task).label("tasks"), count(ContactTag).label("tags"))).one()
    return {"interactions": row.interactions, "notes": row.notes, "tasks": row.tasks, "tags": row.tags,
            "emails": len(other.emails), "phones": len(other.phones)}


def merge_candidates(contact: Contact, term: str, limit: int = 20) -> tuple[list[Contact], list[Contact]]:
    """Contacts to merge with: likely duplicates (same email, phone or name) and search matches."""
    emails = [e.email for e in contact.emails]
    phones = [p.number for p in contact.phones]
    same = [sa.and_(sa.func.lower(Contact.first_name) == contact.first_name.lower(),
                    sa.func.lower(Contact.last_name) == contact.last_name.lower())]
    if emails:
        same.append(Contact.id.in_(sa.select(ContactEmail.contact_id).where(ContactEmail.email.in_(emails))))
    if phones:
        same.append(Contact.id.in_(sa.select(ContactPhone.contact_id).where(ContactPhone.number.in_(phones))))
    base = (sa.select(Contact).outerjoin(Company, sa.and_(Company.id == Contact.company_id, Company.deleted_at.is_(None)))
            .options(contains_eager(Contact.company))
            .where(Contact.id != contact.id, Contact.deleted_at.is_(None)))
    likely = db.session.scalars(base.where(sa.or_(*same)).order_by(Contact.last_name, Contact.id).limit(limit)).all()
    matches = []
    if term:
        matches = db.session.scalars(base.where(_search(term)).order_by(Contact.last_name, Contact.id).limit(limit)).all()
    return likely, matches


# Bulk actions

def _selected(ids) -> list[Contact]:
    wanted = [i for i in (parse_id(v) for v in ids) if i][:500]
    if not wanted:
        raise ServiceError("Tick at least one contact first.")
    return db.session.scalars(sa.select(Contact).where(Contact.id.in_(wanted), Contact.deleted_at.is_(None))).all()


def bulk_assign(ids, owner_value) -> int:
    owner_id = check_owner(owner_value)
    contacts = _selected(ids)
    for contact in contacts:
        if contact.owner_id != owner_id:
            contact.owner_id = owner_id
            record_event("updated", "Changed owner", contact_id=contact.id, data={"fields": ["owner_id"]})
    return len(contacts)


def bulk_tag(ids, tag_value) -> int:
    tag_id = parse_id(tag_value)
    tag = db.session.scalar(sa.select(Tag).where(Tag.id == tag_id)) if tag_id else None
    if tag is None:
        raise ServiceError("Pick a tag from the list.", "tag_id")
    contacts = _selected(ids)
    have = set(db.session.scalars(sa.select(ContactTag.contact_id).where(
        ContactTag.tag_id == tag.id, ContactTag.contact_id.in_([c.id for c in contacts]))))
    for contact in contacts:
        if contact.id not in have:
            db.session.add(ContactTag(contact_id=contact.id, tag_id=tag.id))
            record_event("tagged", f"Tagged {tag.name}", contact_id=contact.id)
    return len(contacts)


def bulk_delete(ids) -> list[int]:
    contacts = _selected(ids)
    for contact in contacts:
        delete_contact(contact)
    return [c.id for c in contacts]


def bulk_restore(ids) -> int:
    wanted = [i for i in (parse_id(v) for v in ids) if i][:500]
    contacts = db.session.scalars(sa.select(Contact).where(
        Contact.id.in_(wanted), Contact.deleted_at.is_not(None), Contact.merged_into_id.is_(None))).all()
    for contact in contacts:
        restore_contact(contact)
    return len(contacts)


# The list

def _text_matches(prefix: str, postgres: bool) -> list:
    live_companies = sa.select(Company.id).where(
        Company.deleted_at.is_(None), sa.or_(*text_search.starts_any((Company.name, Company.domain), prefix, postgres)))
    emails = sa.select(ContactEmail.contact_id).where(text_search.starts_with(ContactEmail.email, prefix, postgres))
    return [*text_search.starts_any((Contact.first_name, Contact.last_name, Contact.email), prefix, postgres),
            text_search.id_among(Contact.company_id, live_companies, postgres),
            text_search.id_among(Contact.id, emails, postgres)]


def _phone_matches(prefix: str, postgres: bool) -> list:
    numbers = sa.select(ContactPhone.contact_id).where(text_search.starts_with(ContactPhone.number, prefix, postgres))
    return [text_search.starts_with(Contact.phone, prefix, postgres), text_search.id_among(Contact.id, numbers, postgres)]


def _search(term: str):
    """Each word starts the first or last name, any of the contact's emails, its company's name
    or web domain, or (digits) any of its phone numbers, ignoring case; or the whole term starts
    one of them ("(415) 555-01" finds +14155550100).

    A prefix, not a substring (it was a substring before migration 0005): "lovelace" finds Ada
    Lovelace, "velace" does not, nor does "engines.example" find ada@engines.example. Under
    row-level security only a prefix match can use an index (crm/services/text_search.py).
    """
    return text_search.matching(term, _text_matches, _phone_matches)


def _owner_choices():
    return [("none", "Nobody")] + [(str(u.id), u.name) for u in active_members()]


def _owner_filter(value: str):
    return Contact.owner_id.is_(None) if value == "none" else Contact.owner_id == int(value)


def _tag_choices():
    return [(str(t.id), t.name) for t in db.session.scalars(sa.select(Tag).order_by(Tag.name))]


def _tag_filter(value: str):
    return Contact.id.in_(sa.select(ContactTag.contact_id).where(ContactTag.tag_id == int(value)))


LAST_CONTACTED = sa.func.coalesce(Contact.last_contacted_at, sa.literal(EPOCH, sa.DateTime(timezone=True)))

LIST = ListSpec(
    model=Contact,
    sorts={"name": ("Name", Contact.last_name), "created_at": ("Created", Contact.created_at),
           "last_contacted": ("Last contacted", LAST_CONTACTED)},
    default_sort="name",
    search=_search,
    filters={
        # Company ids are checked by ``parse_list`` (an org can have too many companies for a list of choices).
        "company": Filter("Company", lambda v: Contact.company_id == int(v)),
        "owner": Filter("Owner", _owner_filter, _owner_choices),
        "tag": Filter("Tag", _tag_filter, _tag_choices),
        "method": Filter("Preferred contact method", lambda v: Contact.preferred_contact_method == v,
                         lambda: list(METHOD_LABELS.items())),
    },
    sort_values={"last_contacted": lambda row: row.last_contacted_at or EPOCH},
)


def parse_list(args) -> tuple[ListState, Company | None]:
    """The list's state from the URL, with the company filter checked against this org."""
    state = parse_state(LIST, args)
    value = state.filters.get("company")
    company = None
    if value is not None:
        company_id = parse_id(value)
        company = db.session.scalar(sa.select(Company).where(Company.id == company_id, Company.deleted_at.is_(None))) \
            if company_id else None
        if company is None:
            del state.filters["company"]
            state.notices.append(f"Ignored the company filter: “{value[:40]}” is not a company in this organization.")
    return state, company


def list_query():
    return (sa.select(Contact).outerjoin(Company, sa.and_(Company.id == Contact.company_id, Company.deleted_at.is_(None)))
            .where(Contact.deleted_at.is_(None))
            .options(contains_eager(Contact.company), joinedload(Contact.owner)))


def _company_name_matches(prefix: str, postgres: bool) -> list:
    return [text_search.starts_with(Company.name, prefix, postgres)]


def company_choices(term: str = "", selected: Company | int | None = None, limit: int = 200) -> list[tuple[int, str]]:
    """(id, name) of live companies for a picker: by name, matching ``term``, the selected one first."""
    query = sa.select(Company.id, Company.name).where(Company.deleted_at.is_(None))
    term = (term or "").strip()[:100]
    if term:
        query = query.where(text_search.matching(term, _company_name_matches))
    rows = [(r.id, r.name) for r in db.session.execute(query.order_by(Company.name, Company.id).limit(limit))]
    selected_id = selected.id if isinstance(selected, Company) else parse_id(selected)
    if selected_id and all(i != selected_id for i, _ in rows):
        name = selected.name if isinstance(selected, Company) else \
            db.session.scalar(sa.select(Company.name).where(Company.id == selected_id, Company.deleted_at.is_(None)))
        if name is not None:
            rows.insert(0, (selected_id, name))
    return rows


def tags_by_contact(contact_ids: list[int]) -> dict[int, list[Tag]]:
    """Tags of many contacts in one query (for list rows)."""
    result: dict[int, list[Tag]] = {i: [] for i in contact_ids}
    if not contact_ids:
        return result
    rows = db.session.execute(sa.select(ContactTag.contact_id, Tag).join(Tag, Tag.id == ContactTag.tag_id)
                              .where(ContactTag.contact_id.in_(contact_ids)).order_by(Tag.name)).all()
    for contact_id, tag in rows:
        result[contact_id].append(tag)
    return result


EXPORT_HEADER = ["First name", "Last name", "Title", "Company", "Email", "Phone", "Preferred contact method",
                 "Last contacted", "Owner", "Created"]


def export_row(contact: Contact) -> list:
    return [contact.first_name, contact.last_name, contact.title, contact.company.name if contact.company else "",
            contact.email, contact.phone, contact.preferred_contact_method,
            contact.last_contacted_at.strftime("%Y-%m-%d %H:%M") if contact.last_contacted_at else "",
            contact.owner.email if contact.owner else "", contact.created_at.strftime("%Y-%m-%d")]
