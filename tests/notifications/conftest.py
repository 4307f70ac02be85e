"""Fixtures for the notification tests."""

import pytest


@pytest.fixture
def rep_client(app, org_a):
    """A client signed in as A's Sales Rep."""
    client = app.test_client()
    assert client.login("sales.rep@acme.example").status_code == 302
    return client


@pytest.fixture
def manager_client(app, org_a):
    """A client signed in as A's Sales Manager (may assign leads)."""
    client = app.test_client()
    assert client.login("sales.manager@acme.example").status_code == 302
    return client
