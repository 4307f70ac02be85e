"""The one mail path: SMTP when MAIL_SERVER is set (a real server on 127.0.0.1 here), else the log."""

import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from crm.extensions import db
from crm.mail import send_email
from crm.models import Role
from tenants.context import org_context


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    # aiosmtpd probes the port it is given, so port 0 does not work: pick a free one first.
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_invitation_email_is_delivered_over_smtp_with_text_and_html(app, admin_a, org_a, smtp_server):
    controller, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    with org_context(org_a.id):
        role_id = db.session.scalar(sa.select(Role.id).where(Role.name == "Support Agent"))
    response = admin_a.post("/acme/admin/invitations", data={"email": "mailtest@example.com", "role_id": str(role_id)})
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["mailtest@example.com"]
    body = envelope.content.decode()
    assert "Acme Inc" in body and "Support Agent" in body
    assert "text/plain" in body and "text/html" in body
    assert "/invitations/" in body
    assert not app.extensions.get("crm_outbox"), "nothing fell back to the log"


def test_without_mail_server_the_email_goes_to_the_log(app, caplog):
    with app.test_request_context():
        send_email("someone@example.com", "Hello", "Plain body")
    assert "MAIL_SERVER is not set" in caplog.text and "someone@example.com" in caplog.text
