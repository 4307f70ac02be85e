"""`flask crm worker`, the command `make worker` runs: a forking rq worker in its own process."""

import os
import subprocess
import sys
from pathlib import Path

from crm.extensions import db
from crm.jobs import enqueue
from crm.models import BackgroundJob
from tenants.context import org_context
from tests.jobs import job_functions as jobs

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_command_runs_queued_jobs_in_a_process_of_its_own(app, org_a, redis_worker):
    with org_context(org_a.id):
        job_id = enqueue(jobs.record_tag, org_a.id, "from-the-worker-process", kind="test")
        db.session.commit()
    env = {**os.environ, "FLASK_APP": "wsgi.py", "SECRET_KEY": "x" * 32, "REDIS_URL": app.config["REDIS_URL"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    finished = subprocess.run([sys.executable, "-m", "flask", "crm", "worker", "--burst"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    db.session.expire_all()
    with org_context(org_a.id):
        assert db.session.get(BackgroundJob, job_id).status == "succeeded"


def test_the_worker_command_explains_that_it_needs_redis(app):
    env = {**os.environ, "FLASK_APP": "wsgi.py", "SECRET_KEY": "x" * 32, "REDIS_URL": "",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    finished = subprocess.run([sys.executable, "-m", "flask", "crm", "worker", "--burst"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode != 0
    assert "REDIS_URL is not set" in finished.stderr
