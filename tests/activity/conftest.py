"""Fixtures for the activity tests: records of organization A to log things on."""

import pytest

from tests.activity.support import make_records


@pytest.fixture
def recs(org_a):
    """A company, a contact at it, a contact without a company, and a lead, all in A."""
    return make_records(org_a)
