"""Tags: the organization's labels (name, colour, category) and which records carry them.

Names are unique per organization regardless of case ("VIP" and "vip" are one tag). A tag
id from a form is looked up through the tenant filter, so another organization's tag is
simply "not found here".
"""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.extensions import db
from crm.models import AuditEntry
from crm.models import Company
from crm.models import Contact
from crm.models import Lead
from crm.models import CompanyTag
from crm.models import ContactTag
from crm.models import LeadTag
from crm.models import Opportunity
from crm.models import OpportunityTag
from crm.models import Tag
from crm.models.tags import TAG_COLOURS
from crm.services import ServiceError
from crm.services import audit
from crm.services import records

LINKS = {"company": (CompanyTag, CompanyTag.company_id), "contact": (ContactTag, ContactTag.contact_id),
         "lead": (LeadTag, LeadTag.lead_id), "opportunity": (OpportunityTag, OpportunityTag.opportunity_id)}
TAGGED = {"company": Company, "contact": Contact, "lead": Lead, "opportunity": Opportunity}
COLOUR_NAMES = dict(zip(TAG_COLOURS, ("Slate", "Red", "Orange", "Yellow", "Green", "Teal", "Blue", "Violet", "Pink")))


def all_tags() -> list[Tag]:
    return db.session.scalars(sa.select(Tag).order_by(sa.func.lower(Tag.name), Tag.id)).all()


def tags_of(kind: str, record_id: int) -> list[Tag]:
    link, column = LINKS[kind]
    return db.session.scalars(
        sa.select(Tag).join(link, link.tag_id == Tag.id).where(column == record_id)
        .order_by(sa.func.lower(Tag.name), Tag.id)).all()


def tags_with_counts() -> list[tuple[Tag, int]]:
    """Every tag and how many records carry it, for the management page (one query)."""
    counts = [sa.select(sa.func.count()).select_from(link).where(link.tag_id == Tag.id).scalar_subquery()
              for link, _ in LINKS.values()]
    rows = db.session.execute(sa.select(Tag, sum(counts[1:], counts[0])).order_by(sa.func.lower(Tag.name), Tag.id)).all()
    return [(tag, used) for tag, used in rows]


def _name(value, tag: Tag | None = None) -> str:
    name = records.check_printable(" ".join((value or "").split()), "name", "tag name")
    if not name:
        raise ServiceError("Enter a name for the tag.", "name")
    if len(name) > 50:
        raise ServiceError(f"Keep the tag name to 50 characters or fewer (it has {len(name)}).", "name")
    query = sa.select(Tag).where(sa.func.lower(Tag.name) == name.lower())
    if tag is not None:
        query = query.where(Tag.id != tag.id)
    existing = db.session.scalar(query.limit(1))
    if existing is not None:
        raise ServiceError(f"There is already a tag called “{existing.name}”. Choose another name, or use that tag.", "name")
    return name


def _colour(value) -> str:
    value = (value or "").strip().lower()
    if not value:
        return TAG_COLOURS[0]
    if value not in TAG_COLOURS:
        raise ServiceError(f"Choose one of the colours offered ({', '.join(COLOUR_NAMES.values())}).", "colour")
    return value


def _category(value) -> str | None:
    return records.clean_text(value, "category", "category", 50)


def _snapshot(tag: Tag) -> dict:
    return {"name": tag.name, "colour": tag.colour, "category": tag.category}


def create_tag(name, colour=None, category=None) -> Tag:
    tag = Tag(name=_name(name), colour=_colour(colour), category=_category(category))
    db.session.add(tag)
    _flush_or_refuse(f"There is already a tag called “{tag.name}”. Choose another name, or use that tag.", "name")
    audit.record("tag.create", tag, f"Created tag {tag.name}", None, _snapshot(tag))
    return tag


def update_tag(tag: Tag, name, colour, category) -> bool:
    """Rename, recolour or recategorise; False when nothing changed."""
    before = _snapshot(tag)
    tag.name, tag.colour, tag.category = _name(name, tag), _colour(colour), _category(category)
    if _snapshot(tag) == before:
        return False
    audit.record("tag.update", tag, f"Changed tag {tag.name}", before, _snapshot(tag))
    return True


def delete_tag(tag: Tag) -> None:
    """Delete a tag everywhere; what it was and which records carried it go into the audit
    entry, which is what ``restore_tag`` puts back (a tag has no deleted state to hide in:
    every list, filter and record would have to look past it)."""
    carried = {kind: list(db.session.scalars(sa.select(column).where(link.tag_id == tag.id).order_by(column)))
               for kind, (link, column) in LINKS.items()}
    audit.record("tag.delete", tag, f"Deleted tag {tag.name}", {**_snapshot(tag), "records": carried}, None)
    for link, _ in LINKS.values():
        db.session.execute(sa.delete(link).where(link.tag_id == tag.id))
    db.session.delete(tag)


def restore_tag(tag_id: int) -> Tag | None:
    """Undo a tag's delete: the same tag, on the records that carried it and still exist.

    None when this organization never deleted a tag with that id (the view answers 404).
    """
    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.action.in_(("tag.delete", "tag.restore")), AuditEntry.target_type == "Tag",
               AuditEntry.target_id == tag_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(1))
    if entry is None:
        return None
    if entry.action != "tag.delete":
        raise ServiceError("That tag is not deleted: there is nothing to undo.")
    if clock.now() - clock.aware(entry.created_at) > timedelta(seconds=records.UNDO_SECONDS * 10):
        raise ServiceError("This tag was deleted too long ago to undo here. Create it again from the tags page.")
    before = entry.before or {}
    taken = db.session.scalar(sa.select(Tag).where(sa.func.lower(Tag.name) == str(before.get("name", "")).lower()))
    if taken is not None:
        raise ServiceError(f"A tag called “{taken.name}” was created since; rename or delete it, then undo again.")
    # SQLite hands a deleted row's id to the next new row; PostgreSQL never reuses one.
    free = db.session.get(Tag, tag_id) is None
    tag = Tag(id=tag_id if free else None, name=before.get("name", ""), colour=before.get("colour") or TAG_COLOURS[0],
              category=before.get("category"))
    db.session.add(tag)
    _flush_or_refuse(f"A tag called “{tag.name}” was created since; rename or delete it, then undo again.", "name")
    for kind, ids in (before.get("records") or {}).items():
        link, column = LINKS[kind]
        db.session.add_all(link(tag_id=tag.id, **{column.key: record_id}) for record_id in _existing_ids(kind, ids))
    audit.record("tag.restore", tag, f"Restored tag {tag.name}", None, _snapshot(tag))
    return tag


def _existing_ids(kind: str, ids: list[int]) -> list[int]:
    """The records of ``ids`` that still exist (a record deleted for good since cannot be tagged)."""
    model = TAGGED[kind]
    found = []
    for start in range(0, len(ids), 5000):
        found += db.session.scalars(sa.select(model.id).where(model.id.in_(ids[start:start + 5000])))
    return found


def find_tag(value) -> Tag:
    """A tag of this organization from a form value, or a clear refusal."""
    value = str(value or "").strip()
    if not value:
        raise ServiceError("Choose a tag to add.", "tag_id")
    tag = db.session.get(Tag, int(value)) if value.isascii() and value.isdigit() and len(value) < 19 else None
    if tag is None:
        raise ServiceError("That tag does not exist in this organization (it may have been deleted). "
                           "Choose a tag from the list.", "tag_id")
    return tag


def add_tag(kind: str, record, tag: Tag) -> bool:
    """Put a tag on a record; False when it already carries it."""
    link, column = LINKS[kind]
    if db.session.scalar(sa.select(link.id).where(column == record.id, link.tag_id == tag.id)) is not None:
        return False
    db.session.add(link(tag_id=tag.id, **{column.key: record.id}))
    _flush_or_refuse(f"This record already has the tag {tag.name}.", "tag_id")
    _event(kind, record, "tag.added", f"Tagged {tag.name}", tag)
    return True


def remove_tag(kind: str, record, tag: Tag) -> bool:
    link, column = LINKS[kind]
    removed = db.session.execute(sa.delete(link).where(column == record.id, link.tag_id == tag.id)).rowcount
    if removed:
        _event(kind, record, "tag.removed", f"Tag {tag.name} removed", tag)
    return bool(removed)


def _flush_or_refuse(message: str, field: str) -> None:
    """Flush; a unique key that someone else took a moment ago becomes a refusal, not a 500.

    The transaction is over then (no savepoint: SQLite's driver would commit an outermost
    one early), which is what the caller of a refusal does anyway.
    """
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(message, field) from None


def _event(kind: str, record, event_kind: str, summary: str, tag: Tag) -> None:
    from crm.services.activity import links_for

    if kind == "contact":  # the company's timeline shows it too: say whose tag it is
        summary = f"{summary} ({record.full_name})"
    elif kind == "opportunity" and record.company_id is not None:
        summary = f"{summary} (opportunity {record.name})"
    records.record_event(event_kind, summary, data={"tag_id": tag.id, "tag": tag.name}, **links_for(kind, record))
