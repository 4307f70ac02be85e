"""Helpers for the notification tests: rows written and read straight through the ORM."""

from datetime import timedelta

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Notification
from crm.models import User
from tests.helpers import tenant

HX = {"HX-Request": "true"}
ADMIN = "admin@acme.example"
REP = "sales.rep@acme.example"
MANAGER = "sales.manager@acme.example"


def user_id(email: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def add_notifications(org, email: str, n: int, *, read: bool = False, link: str | None = "/acme/leads/",
                      prefix: str = "Note", start: int = 0) -> list[int]:
    """n notifications for a member, one minute apart (the last one the newest)."""
    uid = user_id(email)
    base = clock.now() - timedelta(days=1)
    with tenant(org) as s:
        rows = [Notification(user_id=uid, kind="test", message=f"{prefix} {i}", link=link,
                             dedupe_key=f"test:{email}:{prefix}:{i}", created_at=base + timedelta(minutes=i),
                             read_at=clock.now() if read else None)
                for i in range(start, start + n)]
        s.add_all(rows)
        s.commit()
        return [r.id for r in rows]


def notifications_of(org, email: str) -> list[dict]:
    """A member's notifications, oldest first, as plain values."""
    with tenant(org) as s:
        return [{"id": n.id, "kind": n.kind, "message": n.message, "link": n.link, "read": n.read_at is not None,
                 "dedupe_key": n.dedupe_key}
                for n in s.scalars(sa.select(Notification).where(Notification.user_id == user_id(email))
                                   .order_by(Notification.id))]


def is_read(org, notification_id: int) -> bool:
    with tenant(org) as s:
        return s.scalar(sa.select(Notification.read_at).where(Notification.id == notification_id)) is not None
