"""The CSV lead import, timed end to end on the bench database (1,000,000 leads already there).

``import_100k``: a 100,000-row file whose emails are 10 % those of leads the organization
already has, imported with the duplicate policy "skip" (dedupe by email): from the upload
(reading, encoding and delimiter detection, counting) to the last chunk committed, jobs run
in-process one chunk after another (no REDIS_URL). Target: 10,000 rows/s, so 10 s.

``import_fairness``: organization A starts a 100,000-row import; one second later organization
B starts a 10-row one; with one real worker (a ``flask crm worker`` process on the Redis of
BENCH_REDIS_URL or REDIS_URL), B's import must be finished within 5 s of its start, however
long A's takes. One worker is the hard case: with two, A's chunks (which run one after
another) keep only one busy and B's job finds the other free; with one, B's job runs only
because each of A's chunks goes back in the queue behind other organizations' jobs. Skipped, with a line on stderr, when there is no Redis.

Each run creates its own two organizations and deletes them (and everything they own) after,
so the other scenarios' data is never changed.
"""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from datetime import timezone
from pathlib import Path

import sqlalchemy as sa

from bench import seed

NAMES = ("import_100k", "import_fairness")
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
EXISTING_SHARE = 10  # percent of the file's emails that are leads already
TARGET_ROWS_PER_SECOND = 10_000
FAIRNESS_TARGET_SECONDS = 5
ROOT = Path(__file__).resolve().parents[1]
MAPPING = {"column_0": "first_name", "column_1": "last_name", "column_2": "email", "column_3": "company_name",
           "column_4": "title", "column_5": "phone", "duplicate_policy": "skip", "source": "webinar", "tag": "bench-import"}


def _csv(rows: int, domain: str) -> bytes:
    """A webinar list: names, companies, titles, a phone for one row in three."""
    lines = ["First Name,Last Name,Email,Company,Job Title,Phone"]
    for i in range(rows):
        phone = f"+1 415 555 {i % 10_000:04d}" if i % 3 == 0 else ""
        lines.append(f"First{i},Last{i},person{i}@{domain},Company {i % 997},Head of Things,{phone}")
    return ("\r\n".join(lines) + "\r\n").encode()


def _organization(app, slug: str) -> tuple[int, int]:
    from crm.extensions import db
    from crm.models import User
    from crm.services.organizations import create_organization
    from crm.services.passwords import hash_password

    with app.app_context():
        user = User(email=f"admin@{slug}.example", name=f"Admin {slug}", password_hash=hash_password(seed.PASSWORD))
        db.session.add(user)
        db.session.flush()
        org = create_organization(f"Bench {slug}", slug, user)
        db.session.commit()
        return org.id, user.id


def _existing_leads(owner_url: str, org_id: int, domain: str, count: int) -> None:
    """Every tenth email of the file as a lead already (inserted on the owner connection)."""
    engine = sa.create_engine(owner_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO leads (org_id, first_name, last_name, email, status, custom_fields, created_at, updated_at) "
            "SELECT :org, 'Old', 'Lead', 'person' || (g * :step) || '@' || :domain, 'new', '{}', now(), now() "
            "FROM generate_series(0, :count - 1) g"), {"org": org_id, "step": 100 // EXISTING_SHARE,
                                                       "domain": domain, "count": count})
    engine.dispose()


def _drop_organizations(owner_url: str, slugs: list[str]) -> None:
    engine = sa.create_engine(owner_url)
    with engine.begin() as conn:
        ids = conn.scalars(sa.text("SELECT id FROM organizations WHERE slug = ANY(:slugs)"), {"slugs": slugs}).all()
        if ids:
            conn.execute(sa.text("DELETE FROM organizations WHERE id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text("DELETE FROM users WHERE email = ANY(:emails)"),
                     {"emails": [f"admin@{slug}.example" for slug in slugs]})
    engine.dispose()


def _start_import(app, org_id: int, user_id: int, data: bytes, name: str) -> int:
    """Upload and start as the import pages do; the job is queued when this commits."""
    from flask_login import login_user

    from crm.extensions import db
    from crm.jobs.lead_import import queue_import
    from crm.models import User
    from crm.services import lead_import
    from tenants.context import org_context

    with app.test_request_context(), org_context(org_id, user_id):
        login_user(db.session.get(User, user_id))
        imp = lead_import.create_import(name, io.BytesIO(data))
        lead_import.start_import(imp, MAPPING)
        queue_import(imp)
        import_id = imp.id
        db.session.commit()
    return import_id


def _state(app, org_id: int, import_id: int):
    from crm.extensions import db
    from crm.models import LeadImport
    from tenants.context import org_context

    with app.app_context(), org_context(org_id):
        row = db.session.execute(sa.select(LeadImport.status, LeadImport.created_count, LeadImport.skipped_count,
                                           LeadImport.failed_count, LeadImport.started_at, LeadImport.finished_at)
                                 .where(LeadImport.id == import_id)).one()
        db.session.remove()
    return row


def import_100k(app, owner_url: str, log):
    slug = "bench-import-100k"
    _drop_organizations(owner_url, [slug])
    org_id, user_id = _organization(app, slug)
    domain = f"{slug}.example"
    _existing_leads(owner_url, org_id, domain, ROWS * EXISTING_SHARE // 100)
    data = _csv(ROWS, domain)
    app.config["REDIS_URL"] = None  # in-process: the import is done when the commit returns
    try:
        started = datetime.now(timezone.utc)
        import_id = _start_import(app, org_id, user_id, data, "webinar.csv")
        state = _state(app, org_id, import_id)
        # Up to the last chunk's commit: the rescoring of the new leads that follows in the
        # same in-process run is not the import's (it is timed by rescore_1m).
        seconds = (state.finished_at - started).total_seconds()
    finally:
        _drop_organizations(owner_url, [slug])
    log(f"import_100k: {ROWS:,} rows ({len(data) / 1e6:.1f} MB) in {seconds:.1f} s: {state.status}, "
        f"{state.created_count:,} created, {state.skipped_count:,} skipped, {state.failed_count:,} failed")
    yield {"scenario": "import_100k", "metric": "seconds", "value": round(seconds, 2), "unit": "s",
           "target": round(ROWS / TARGET_ROWS_PER_SECOND, 2)}
    yield {"scenario": "import_100k", "metric": "rows_per_second", "value": round(ROWS / seconds), "unit": "rows/s",
           "target": None}


def _workers(app_url: str, redis_url: str, count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "FLASK_APP": "wsgi.py", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 32),
           "DATABASE_URL": app_url, "REDIS_URL": redis_url}
    return [subprocess.Popen([sys.executable, "-m", "flask", "crm", "worker"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            for _ in range(count)]


def _wait_for_workers(app, count: int) -> None:
    from rq import Worker

    from crm.jobs.queue import redis_connection

    deadline = time.monotonic() + 60
    while len(Worker.all(connection=redis_connection(app))) < count:
        if time.monotonic() > deadline:
            raise SystemExit("import_fairness: the workers did not start within 60 s")
        time.sleep(0.1)


def import_fairness(app, owner_url: str, app_url: str, log):
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL")
    if not redis_url:
        log("import_fairness: skipped, it needs workers on Redis (set BENCH_REDIS_URL)")
        return
    slugs = ["bench-import-a", "bench-import-b"]
    _drop_organizations(owner_url, slugs)
    (a_id, a_user), (b_id, b_user) = (_organization(app, slug) for slug in slugs)
    big, small = _csv(ROWS, "a.example"), _csv(10, "b.example")
    app.config["REDIS_URL"] = redis_url
    workers = _workers(app_url, redis_url, 1)
    try:
        _wait_for_workers(app, len(workers))
        a_import = _start_import(app, a_id, a_user, big, "big.csv")
        time.sleep(1)
        b_started = time.perf_counter()
        b_import = _start_import(app, b_id, b_user, small, "small.csv")
        while _state(app, b_id, b_import).status != "finished" and time.perf_counter() - b_started < 60:
            time.sleep(0.05)
        b_seconds = time.perf_counter() - b_started
        a_done = _state(app, a_id, a_import)
        a_rows = a_done.created_count + a_done.skipped_count + a_done.failed_count
    finally:
        for worker in workers:  # a warm shutdown: the chunk a worker is on commits first
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=120)
        app.config["REDIS_URL"] = None
        _drop_organizations(owner_url, slugs)
    log(f"import_fairness: B's 10 rows finished {b_seconds:.2f} s after they were started, while A had "
        f"{a_rows:,} of {ROWS:,} rows done ({a_done.status})")
    yield {"scenario": "import_fairness", "metric": "small_import_seconds", "value": round(b_seconds, 2), "unit": "s",
           "target": FAIRNESS_TARGET_SECONDS}


def run(app, owner_url: str, app_url: str, names, log):
    if "import_100k" in names:
        yield from import_100k(app, owner_url, log)
    if "import_fairness" in names:
        yield from import_fairness(app, owner_url, app_url, log)
