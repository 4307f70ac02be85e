"""Telling a member that something happened that concerns them (an assignment, a mention).

Every notification has a ``dedupe_key``, unique in the organization: whatever creates it
names the event, so saving the same thing twice, or two requests racing, notifies once.
Notifications are added to the caller's transaction and vanish with it if it rolls back.
"""

import weakref
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.extensions import db
from crm.models import Membership
from crm.models import Notification
from crm.services import notification_delivery
from crm.services import notification_preferences
from crm.services import records

MESSAGE_MAX = 300
LINK_MAX = 500
KEY_MAX = 200
PAGE_SIZE = 50
# One moment per transaction, so one save that assigns a record notifies once and a later
# re-assignment (a new transaction) notifies again.
_moments: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _truncate(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _on_sqlite_outside_transaction() -> bool:
    """pysqlite begins a transaction only before a write; a SAVEPOINT issued before any write
    would become the outermost transaction and its RELEASE would commit the caller's work."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return False
    return not getattr(connection.connection.dbapi_connection, "in_transaction", True)


def _is_dedupe_violation(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "dedupe_key" in text or "uq_notifications_org_id_dedupe_key" in text


def notify(user_id: int | None, kind: str, message: str, link: str | None, dedupe_key: str) -> Notification | None:
    """Adds (to the caller's transaction) one notification unless user_id is None, is the acting user
    (crm.services.records.actor_id()), is not an active member of the current org, or dedupe_key already exists.
    Never raises on a duplicate key (check first; on PostgreSQL two racing inserts must not 500: use a savepoint
    / begin_nested around the flush and swallow IntegrityError only for the dedupe unique constraint).
    When the member wants this kind by email at once, its email job is queued too (it starts after the commit)."""
    if user_id is None or user_id == records.actor_id():
        return None
    dedupe_key, kind = dedupe_key[:KEY_MAX], kind[:40]
    member = sa.select(Membership.id).where(Membership.user_id == user_id, Membership.active.is_(True)).exists()
    taken = sa.select(Notification.id).where(Notification.dedupe_key == dedupe_key).exists()
    preference = notification_preferences.stored_delivery(user_id, kind)
    is_member, is_taken, delivery = db.session.execute(sa.select(member, taken, preference)).one()
    if not is_member or is_taken:
        return None
    notification = Notification(user_id=user_id, kind=kind, message=_truncate(message, MESSAGE_MAX),
                                link=link if link and len(link) <= LINK_MAX else None, dedupe_key=dedupe_key)
    if _on_sqlite_outside_transaction():
        # SQLite runs one writer at a time, and the check above ran in this same request: the
        # insert goes with the caller's next flush or commit.
        db.session.add(notification)
    else:
        try:
            with db.session.begin_nested():
                db.session.add(notification)
                db.session.flush()
        except IntegrityError as error:
            if not _is_dedupe_violation(error):
                raise
            return None
    if notification_preferences.resolve(kind, delivery) == notification_preferences.EMAIL:
        notification_delivery.queue_email(notification)
    return notification


def actor_name() -> str:
    """Who is acting, as a notification names them (the signed-in member is already loaded)."""
    if current_user and current_user.is_authenticated:
        return current_user.name or current_user.email
    return "Someone"


def _transaction_moment() -> datetime:
    db.session.connection()  # begins the transaction if nothing has yet; no statement is sent
    transaction = db.session().get_transaction()
    return _moments.setdefault(transaction, clock.now())


def notify_assigned(user_id, record_label: str, kind_label: str, link: str, record_key: str) -> Notification | None:
    """'<actor> assigned you the lead “X”' style message; dedupe_key includes record_key and the assignment
    moment so re-assigning later notifies again, but one save never notifies twice."""
    if user_id is None:
        return None
    label = _truncate(record_label, 120) or "(no name)"
    moment = _transaction_moment().strftime("%Y%m%dT%H%M%S.%f")
    return notify(user_id, "assigned", f"{actor_name()} assigned you the {kind_label} “{label}”", link,
                  f"assigned:{record_key}:user:{user_id}:{moment}")


def notify_assigned_many(user_id, count: int, kind_plural: str, link: str, record_key: str) -> Notification | None:
    """One notification for a bulk assignment ('<actor> assigned you 12 leads'), not one per record."""
    if user_id is None or count < 1:
        return None
    moment = _transaction_moment().strftime("%Y%m%dT%H%M%S.%f")
    return notify(user_id, "assigned", f"{actor_name()} assigned you {count} {kind_plural}", link,
                  f"assigned:{record_key}:user:{user_id}:{moment}")


def unread_count(user_id) -> int:
    """The bell's figure: one count over the (org_id, user_id, read_at) index."""
    if user_id is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


@dataclass
class Page:
    """One page of a member's notifications, newest first; ``older`` is the cursor of the next."""

    items: list[Notification]
    before: int | None
    older: int | None


def page_for(user_id: int, before: int | None = None, size: int = PAGE_SIZE) -> Page:
    """Keyset pages over the (org_id, user_id, created_at) index: one query whatever the page."""
    query = sa.select(Notification).where(Notification.user_id == user_id)
    if before is not None:
        moment = (sa.select(Notification.created_at)
                  .where(Notification.id == before, Notification.user_id == user_id).scalar_subquery())
        query = query.where(sa.or_(Notification.created_at < moment,
                                   sa.and_(Notification.created_at == moment, Notification.id < before)))
    rows = db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                              .limit(size + 1)).all()
    items = list(rows[:size])
    return Page(items=items, before=before, older=items[-1].id if len(rows) > size else None)


def mark_read(notification: Notification) -> bool:
    if notification.read_at is not None:
        return False
    notification.read_at = clock.now()
    return True


def mark_all_read(user_id: int) -> int:
    """One statement, however many are unread; returns how many it marked."""
    result = db.session.execute(
        sa.update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def safe_link(link: str | None, org_slug: str) -> str | None:
    """A notification's link if it is a page of this organization in this app, else None:
    following one must never lead to another site (an open redirect) or another organization."""
    if not link or len(link) > LINK_MAX or any(ord(c) < 32 or c in "\\\x7f" for c in link):
        return None
    if not link.startswith(f"/{org_slug}/"):
        return None
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    return link
