"""Fixtures for the queue tests: a clean log of job runs, and a real Redis with a worker."""

import os

import pytest

from tests.jobs import job_functions


@pytest.fixture(autouse=True)
def _clean_log():
    job_functions.RAN.clear()
    job_functions.FAILURES_LEFT.clear()
    yield


@pytest.fixture
def app_config(app_config):
    """No waiting between attempts: the tests count attempts, they do not wait for them."""
    return {**app_config, "JOB_RETRY_DELAYS": (0, 0, 0)}


@pytest.fixture
def redis_worker(app):
    """Jobs go through the real Redis of TEST_REDIS_URL; call the result to run an rq
    SimpleWorker in burst mode until the queue is empty."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs a real Redis: set TEST_REDIS_URL (CI does)")
    from rq import SimpleWorker

    from crm.jobs.queue import redis_connection
    from crm.jobs.queue import rq_queue

    app.config["REDIS_URL"] = url
    connection = redis_connection(app)
    connection.flushdb()

    def run_worker() -> None:
        SimpleWorker([rq_queue(app)], connection=connection).work(burst=True)

    yield run_worker
    connection.flushdb()
    app.config["REDIS_URL"] = None
