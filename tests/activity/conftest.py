"""Fixtures for the activity tests: records of organization A to log things on."""

import pytest

from tests.activity.support import make_records
from tests.browser.conftest import browser  # noqa: F401  (the browser harness, for test_browser.py)
from tests.browser.conftest import live_server  # noqa: F401
from tests.browser.conftest import new_page  # noqa: F401


@pytest.fixture
def recs(org_a):
    """A company, a contact at it, a contact without a company, and a lead, all in A."""
    return make_records(org_a)
