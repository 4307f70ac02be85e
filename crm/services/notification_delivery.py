"""Emailing a notification at once, exactly once.

notify() creates the row and, when the member's preference for its kind is "email", marks it
pending and queues ``crm.jobs.email.send_notification_email``. The job locks the row, skips it
if it went out already, sends, marks it sent and commits: a retry after a failure, a job sent
twice, or two copies running side by side deliver it once. (One gap is left, and no SMTP
client can close it: a crash after the server accepted the message but before the commit
sends it again on the retry. Its Message-ID is derived from the dedupe key, so the receiving
side can tell the two apart.)
"""

import hashlib

import sqlalchemy as sa
from flask import render_template

from crm import clock
from crm.extensions import db
from crm.mail import absolute
from crm.mail import external_url
from crm.mail import link_base
from crm.mail import message_domain
from crm.mail import send_email
from crm.models import Membership
from crm.models import Notification
from crm.models import Organization
from crm.models import User
from crm.services import notification_preferences
from crm.services import notifications
from crm.services import records
from tenants.context import require_org_id

ERROR_MAX = 500


def queue_email(notification: Notification) -> None:
    """Mark the notification pending and queue its email; it starts once the caller commits."""
    from crm.jobs import enqueue
    from crm.jobs.email import send_notification_email

    notification.email_status = "pending"
    db.session.flush()
    enqueue(send_notification_email, require_org_id(), notification.id, link_base(),
            kind="email", user_id=records.actor_id())


def message_id(notification: Notification) -> str:
    digest = hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:32]
    return f"<notification.{notification.org_id}.{digest}@{message_domain()}>"


def _locked(notification_id: int) -> Notification | None:
    return db.session.scalar(sa.select(Notification).where(Notification.id == notification_id)
                             .with_for_update().execution_options(populate_existing=True))


def _recipient(notification: Notification) -> User | None:
    """The member, if they still are one (a member who left gets no more email)."""
    return db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id)
                             .where(User.id == notification.user_id, Membership.active.is_(True)))


def deliver(notification_id: int, base_url: str | None = None) -> bool:
    """Send the notification's email unless it went out already; True if it was sent now.
    An SMTP error propagates (the job retries) after the attempt is recorded on the row."""
    notification = _locked(notification_id)
    if notification is None or notification.email_status == "sent":
        db.session.commit()
        return False
    user = _recipient(notification)
    if user is None:
        notification.email_status, notification.last_error = "none", "Not sent: no longer an active member."
        db.session.commit()
        return False
    org = db.session.get(Organization, notification.org_id)
    subject, text, html = render(notification, org, user, base_url)
    try:
        send_email(user.email, subject, text, html, headers={
            "Message-ID": message_id(notification), "X-CRM-Notification": str(notification.id)})
    except Exception as error:
        db.session.rollback()
        _record_attempt(notification_id, f"{type(error).__name__}: {error}")
        raise
    notification.email_status, notification.emailed_at = "sent", clock.now()
    notification.email_attempts += 1
    db.session.commit()
    return True


def _record_attempt(notification_id: int, error: str) -> None:
    notification = _locked(notification_id)
    if notification is not None and notification.email_status != "sent":
        notification.email_attempts += 1
        notification.last_error = error[:ERROR_MAX]
    db.session.commit()


def mark_failed(notification_id: int, error: str | None) -> None:
    """The job gave up: the member's notification shows that its email failed."""
    notification = _locked(notification_id)
    if notification is not None and notification.email_status != "sent":
        notification.email_status = "failed"
        notification.last_error = (error or "The email could not be sent.")[:ERROR_MAX]


def render(notification: Notification, org: Organization, user: User, base_url: str | None) -> tuple[str, str, str]:
    """Subject, text and HTML of the email for one notification."""
    link = notifications.safe_link(notification.link, org.slug)
    kind = notification_preferences.BY_NAME.get(notification.kind)
    context = dict(
        org=org, user=user, notification=notification,
        link=absolute(base_url, link) if link else None,
        kind_label=kind.label if kind else None,
        preferences_url=external_url(base_url, "notifications.preferences_edit", org_slug=org.slug),
    )
    subject = f"[{org.name}] {notification.message}"
    return (subject[:200], render_template("email/notification.txt", **context),
            render_template("email/notification.html", **context))
