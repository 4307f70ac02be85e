"""The SMTP server the email tests send to, and helpers to read what it received."""

import re
import socket
from collections import Counter
from email import message_from_bytes
from email import policy

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from crm.extensions import db
from crm.models import BackgroundJob
from crm.models import Notification
from crm.models import User
from crm.services.notifications import notify
from tests.helpers import tenant

ADMIN = "admin@acme.example"
REP = "sales.rep@acme.example"
MANAGER = "sales.manager@acme.example"


class Inbox:
    def __init__(self):
        self.messages = []
        self.data_calls = 0
        self.fail_every = 0
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        if self.fail_every and self.data_calls % self.fail_every == 0:
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, email: str) -> list:
        return [m for m in self.messages if m["To"] == email]

    def count_by(self, header: str) -> Counter:
        return Counter(m[header] for m in self.messages if m[header])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(handler) -> Controller:
    # aiosmtpd probes the port it is given, so port 0 does not work: pick a free one first.
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    return controller


def text_part(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(("html",)).get_content()


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def user_id(email: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def notify_and_commit(org, email: str, key: str, kind: str = "assigned", link: str | None = "/acme/leads/") -> int | None:
    """A notification as a service makes it, committed (which starts its email job)."""
    with tenant(org) as s:
        notification = notify(user_id(email), kind, f"Something for you ({key})", link, key)
        s.commit()
        return notification.id if notification else None


def notification(org, notification_id: int) -> dict:
    with tenant(org) as s:
        n = s.get(Notification, notification_id)
        return {"status": n.email_status, "attempts": n.email_attempts, "emailed_at": n.emailed_at,
                "error": n.last_error}


def jobs(org, kind: str | None = None) -> list[dict]:
    with tenant(org) as s:
        query = sa.select(BackgroundJob).order_by(BackgroundJob.id)
        if kind:
            query = query.where(BackgroundJob.kind == kind)
        return [{"id": j.id, "status": j.status, "attempts": j.attempts, "error": j.error, "args": j.args}
                for j in s.scalars(query)]
