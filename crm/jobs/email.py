"""Email jobs. Thin: each calls its service. An SMTP error is retried with backoff; a refusal
for good (a 5xx reply: no such mailbox, message rejected) fails the job at once with the
server's words, which the organization's admins see on the jobs page."""

import smtplib
from contextlib import contextmanager

from crm.jobs.queue import PermanentError
from crm.mail import is_permanent
from crm.services import digest
from crm.services import invitations
from crm.services import notification_delivery


@contextmanager
def _refusals_are_permanent():
    try:
        yield
    except smtplib.SMTPException as error:
        if is_permanent(error):
            raise PermanentError(f"The mail server refused this email for good: {error}") from error
        raise


def send_notification_email(notification_id: int, base_url: str | None = None) -> None:
    with _refusals_are_permanent():
        notification_delivery.deliver(notification_id, base_url)


def send_notification_email_failed(notification_id: int, base_url: str | None = None, error: str | None = None) -> None:
    notification_delivery.mark_failed(notification_id, error)


def send_invitation_email(invitation_id: int, base_url: str | None = None) -> None:
    with _refusals_are_permanent():
        invitations.send(invitation_id, base_url)


def send_daily_digest(org_id: int) -> None:
    """Scheduled once a day per organization (crm.jobs.schedule, "daily-digest")."""
    outcome = digest.send_digests()
    if outcome.refused:
        raise PermanentError(f"Sent {outcome.sent} digest(s); the mail server refused these addresses for good: "
                             + "; ".join(outcome.refused)[:1500])
