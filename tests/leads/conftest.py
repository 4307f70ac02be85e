"""Fixtures for the lead tests."""

import pytest


@pytest.fixture
def rep_client(app, org_a):
    """A client signed in as A's Sales Rep (may edit leads; may not delete or assign them)."""
    client = app.test_client()
    assert client.login("sales.rep@acme.example").status_code == 302
    return client
