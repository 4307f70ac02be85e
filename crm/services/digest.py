"""The daily digest: for each member, their tasks due today and overdue, and the unread
notifications of the kinds they chose to read in the digest; nothing is sent to a member
with nothing to read.

Exactly one digest per member per day of the organization's calendar: a ``digest_sends`` row,
unique per (organization, member, day), is claimed and locked while the email goes out and
marked sent in the same transaction, so running the job twice, or two copies at once, sends
each member one email. A member's failure rolls back only their own row.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.extensions import db
from crm.mail import absolute
from crm.mail import external_url
from crm.mail import is_permanent
from crm.mail import message_domain
from crm.mail import send_email
from crm.models import DigestSend
from crm.models import Membership
from crm.models import Notification
from crm.models import Organization
from crm.models import User
from crm.services import notification_preferences as preferences
from crm.services.activity import local_now
from crm.services.activity import my_tasks
from crm.services.activity import org_timezone
from crm.services.notifications import safe_link
from tenants.context import require_org_id

NOTIFICATIONS_MAX = 100


@dataclass
class Digest:
    overdue: list = field(default_factory=list)
    today: list = field(default_factory=list)
    notifications: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.notifications)


@dataclass
class Outcome:
    sent: int = 0
    refused: list[str] = field(default_factory=list)


def send_digests(base_url: str | None = None) -> Outcome:
    """Today's digest for every active member of the current organization. A transient SMTP
    error propagates (the job retries; members already served are skipped); an address the
    server refuses for good is reported in ``refused`` and the others still get theirs."""
    org = db.session.get(Organization, require_org_id())
    day = local_now(org_timezone()).date()
    members = db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.active.is_(True)).order_by(User.id)).all()
    outcome = Outcome()
    for user in members:
        try:
            outcome.sent += send_one(org, user, day, base_url)
        except Exception as error:
            db.session.rollback()
            if not is_permanent(error):
                raise
            outcome.refused.append(f"{user.email}: {error}")
    return outcome


def send_one(org: Organization, user: User, day: date, base_url: str | None) -> bool:
    """This member's digest for ``day`` unless it went out already or would be empty."""
    digest = content_for(user.id, _since(user.id, day))
    if digest.empty:
        db.session.rollback()
        return False
    claim = _claim(user.id, day)
    if claim.status == "sent":
        db.session.commit()
        return False
    unsubscribe = external_url(base_url, "unsubscribe.digest_unsubscribe",
                               token=preferences.unsubscribe_token(org.id, user.id))
    subject, text, html = render(org, user, day, digest, base_url, unsubscribe)
    send_email(user.email, subject, text, html, headers={
        "Message-ID": f"<digest.{org.id}.{user.id}.{day.isoformat()}@{message_domain()}>",
        "X-CRM-Digest": f"{user.id}:{day.isoformat()}",
        "List-Unsubscribe": f"<{unsubscribe}>",
    })
    claim.status, claim.sent_at = "sent", clock.now()
    db.session.commit()
    return True


def _since(user_id: int, day: date) -> datetime:
    """Notifications newer than the member's last digest (or a day old) are news."""
    last = db.session.scalar(sa.select(sa.func.max(DigestSend.sent_at))
                             .where(DigestSend.user_id == user_id, DigestSend.status == "sent", DigestSend.day < day))
    return clock.aware(last) if last else clock.now() - timedelta(days=1)


def content_for(user_id: int, since: datetime) -> Digest:
    kinds = preferences.digest_kinds(user_id)
    digest = Digest()
    if preferences.TASKS_DUE in kinds:
        groups = my_tasks(user_id)["groups"]
        digest.overdue, digest.today = groups["overdue"], groups["today"]
    news = kinds - {preferences.TASKS_DUE}
    if news:
        digest.notifications = list(db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None),
                   Notification.kind.in_(sorted(news)), Notification.created_at >= since)
            .order_by(Notification.created_at, Notification.id).limit(NOTIFICATIONS_MAX)))
    return digest


def _claim(user_id: int, day: date) -> DigestSend:
    """The member's row for the day, locked (a copy of the job running beside this one waits
    here, then finds it sent)."""
    query = (sa.select(DigestSend).where(DigestSend.user_id == user_id, DigestSend.day == day)
             .with_for_update().execution_options(populate_existing=True))
    claim = db.session.scalar(query)
    if claim is not None:
        return claim
    claim = DigestSend(user_id=user_id, day=day, status="sending")
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        return db.session.scalar(query)
    return claim


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render(org, user, day: date, digest: Digest, base_url: str | None, unsubscribe: str) -> tuple[str, str, str]:
    parts = []
    if digest.today:
        parts.append(_count(len(digest.today), "task") + " due today")
    if digest.overdue:
        parts.append(f"{len(digest.overdue)} overdue")
    if digest.notifications:
        parts.append(_count(len(digest.notifications), "notification"))
    tasks = [dict(title=e["task"].title, label=e["label"], due_on=e["task"].due_on, url=absolute(base_url, e["url"]))
             for e in digest.overdue + digest.today]
    context = dict(
        org=org, user=user, day=day, unsubscribe_url=unsubscribe,
        overdue=tasks[:len(digest.overdue)], today=tasks[len(digest.overdue):],
        notifications=[dict(message=n.message, url=_link(n, org, base_url)) for n in digest.notifications],
        preferences_url=external_url(base_url, "notifications.preferences_edit", org_slug=org.slug),
    )
    subject = f"[{org.name}] Your day: " + ", ".join(parts)
    return subject, render_template("email/digest.txt", **context), render_template("email/digest.html", **context)


def _link(notification: Notification, org: Organization, base_url: str | None) -> str | None:
    link = safe_link(notification.link, org.slug)
    return absolute(base_url, link) if link else None
