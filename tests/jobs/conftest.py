"""Fixtures for the queue tests: a clean log of job runs (``redis_worker`` is in tests/conftest.py)."""

import pytest

from tests.jobs import job_functions


@pytest.fixture(autouse=True)
def _clean_log():
    job_functions.RAN.clear()
    job_functions.FAILURES_LEFT.clear()
    yield
