"""How a member hears about each kind of notification: in the app only, by email at once, or
in the daily digest. Only choices a member made are stored; every other kind uses its default
(docs/notifications.md explains the defaults). The digest's unsubscribe link is signed, so it
works without signing in and can only ever switch off the digest of the member it names."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from crm.extensions import db
from crm.models import NotificationPreference
from crm.models.notification_preferences import DELIVERIES
from crm.services import ServiceError

IN_APP, EMAIL, DIGEST = DELIVERIES
TASKS_DUE = "tasks_due"
UNKNOWN_KIND_DEFAULT = IN_APP
BAD_LINK = ("This unsubscribe link is not valid: it was changed or cut short. Copy the whole link from the "
            "email, or sign in and change your email settings on the notifications page.")


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    default: str
    choices: tuple[str, ...] = DELIVERIES


KINDS = (
    Kind("assigned", "A lead, contact, company or deal is assigned to you", EMAIL),
    Kind("mention", "Someone mentions you in a note", IN_APP),
    Kind("won", "A deal you own is moved to won", DIGEST),
    Kind(TASKS_DUE, "Your tasks due today and overdue", DIGEST, (IN_APP, DIGEST)),
)
BY_NAME = {kind.name: kind for kind in KINDS}
LABELS = {IN_APP: "In the app only", EMAIL: "Email at once", DIGEST: "Daily digest"}


def default_for(kind: str) -> str:
    found = BY_NAME.get(kind)
    return found.default if found else UNKNOWN_KIND_DEFAULT


def resolve(kind: str, stored: str | None) -> str:
    return stored or default_for(kind)


def stored_delivery(user_id: int, kind: str):
    """The member's own choice for ``kind`` as a scalar subquery, so that notify() reads it in
    the statement it already sends."""
    return (sa.select(NotificationPreference.delivery)
            .where(NotificationPreference.user_id == user_id, NotificationPreference.kind == kind)
            .scalar_subquery())


def _stored(user_id: int) -> dict[str, NotificationPreference]:
    rows = db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    return {row.kind: row for row in rows}


def choices_of(user_id: int) -> dict[str, str]:
    """Every known kind with the delivery in force for this member."""
    stored = _stored(user_id)
    return {kind.name: stored[kind.name].delivery if kind.name in stored else kind.default for kind in KINDS}


def digest_kinds(user_id: int) -> set[str]:
    """The kinds this member reads in the digest (stored choices, then the defaults)."""
    stored = {row.kind: row.delivery for row in _stored(user_id).values()}
    known = {kind.name for kind in KINDS if stored.get(kind.name, kind.default) == DIGEST}
    return known | {kind for kind, delivery in stored.items() if delivery == DIGEST}


def save(user_id: int, wanted: dict[str, str]) -> int:
    """Store the member's choices (a kind left out keeps its setting); returns how many changed."""
    for name, delivery in wanted.items():
        kind = BY_NAME.get(name)
        if kind is None:
            raise ServiceError(f"There is no notification type called “{name[:40]}”. Reload the page and try again.")
        if delivery not in kind.choices:
            allowed = ", ".join(LABELS[c] for c in kind.choices)
            raise ServiceError(f"“{kind.label}” can be delivered as: {allowed}. Choose one of those.", name)
    stored = _stored(user_id)
    changed = 0
    for name, delivery in wanted.items():
        row = stored.get(name)
        current = row.delivery if row else default_for(name)
        if row is None:
            db.session.add(NotificationPreference(user_id=user_id, kind=name, delivery=delivery))
        elif row.delivery != delivery:
            row.delivery = delivery
        changed += current != delivery
    return changed


def unsubscribe_digest(user_id: int) -> int:
    """Everything this member reads in the digest goes to the app only, so no digest is sent;
    returns how many kinds changed (0 when the digest was already off)."""
    return save(user_id, {kind: IN_APP for kind in digest_kinds(user_id) if kind in BY_NAME})


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="crm.digest-unsubscribe")


def unsubscribe_token(org_id: int, user_id: int) -> str:
    return _serializer().dumps([org_id, user_id])


def read_unsubscribe_token(token: str) -> tuple[int, int]:
    """The (org id, user id) a link names; a changed or truncated link raises ServiceError."""
    try:
        org_id, user_id = _serializer().loads(token)
        return int(org_id), int(user_id)
    except (BadSignature, ValueError, TypeError):
        raise ServiceError(BAD_LINK) from None
