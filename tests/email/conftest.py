"""A real SMTP server on 127.0.0.1 (aiosmtpd) for every test here; the app sends to it."""

import pytest

from tests.email.support import Inbox
from tests.email.support import start_smtp


@pytest.fixture
def inbox(app):
    """What the server accepted. ``inbox.fail_every = 3`` answers every third DATA with 451;
    ``inbox.refuse`` holds addresses answered with 550."""
    inbox = Inbox()
    controller = start_smtp(inbox)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        yield inbox
    finally:
        controller.stop()
