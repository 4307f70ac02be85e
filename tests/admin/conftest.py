"""Fixtures for the tenant admin console tests (helpers live in support.py)."""

import pytest


@pytest.fixture(autouse=True)
def _outbox_mail(app):
    """Emails go to the in-memory outbox even if the environment names an SMTP server."""
    app.config["MAIL_SERVER"] = None
    app.extensions["crm_outbox"] = []
