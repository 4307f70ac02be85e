"""Fixtures for the conversion tests."""

import pytest

from tests.helpers import add_member


@pytest.fixture
def sdr_client(app, org_a):
    """A client signed in as A's Sales Development Rep (qualifies and converts leads)."""
    add_member(org_a, "sdr@acme.example", "Sales Development Rep")
    client = app.test_client()
    assert client.login("sdr@acme.example").status_code == 302
    return client


@pytest.fixture
def rep_client(app, org_a):
    """A client signed in as A's Sales Rep (edits leads, cannot convert them)."""
    client = app.test_client()
    assert client.login("sales.rep@acme.example").status_code == 302
    return client
