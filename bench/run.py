"""``make bench``: seed PostgreSQL at scale (once), then time pages through the real WSGI stack.

Steps, each skipped when already done:

1. Create the benchmark's own database and roles with the app's command
   (``flask crm create-db-roles``), and migrate it as the owner (``flask db upgrade``).
2. Seed 100 organizations x 10,000 leads with companies, contacts, interactions and tags
   (bench/seed.py). A seed whose row counts are not exactly right is dropped and redone.
   Then the pipeline (bench/seed_pipeline.py): 10,000 deals with their history and 100,000
   interactions in the timed organization, 1,000 deals in ten others; redone alone when wrong.
3. Start the app as the app role (row-level security live), sign in as one member of one
   organization through the login form, and time each scenario (bench/scenarios.py).

Prints one JSON object per line: ``scenario``, ``metric``, ``value``, ``unit``, ``target``.
Progress goes to stderr. ``--check`` exits 1 when a target is missed.
"""

import argparse
import itertools
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUPERUSER_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _urls(args) -> tuple[str, str]:
    base = make_url(args.superuser_url)
    owner = base.set(username=args.owner, password=None, database=args.database)
    app = base.set(username=args.app_role, password=None, database=args.database)
    if args.owner_password:
        owner = owner.set(password=args.owner_password)
    if args.app_password:
        app = app.set(password=args.app_password)
    return owner.render_as_string(hide_password=False), app.render_as_string(hide_password=False)


def _flask(*command: str, env: dict) -> None:
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "wsgi.py", *command], cwd=ROOT, env={**os.environ, **env},
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"flask {' '.join(command[:2])} failed:\n{result.stdout}{result.stderr}")


def prepare_database(args, owner_url: str, app_url: str) -> None:
    """The database, its roles and the schema at the newest migration (all idempotent)."""
    env = {"SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32), "DATABASE_URL": app_url,
           "MIGRATION_DATABASE_URL": owner_url, "FLASK_DEBUG": "0"}
    if args.owner_password:
        env["CRM_OWNER_PASSWORD"] = args.owner_password
    if args.app_password:
        env["CRM_APP_PASSWORD"] = args.app_password
    _flask("crm", "create-db-roles", "--superuser-url", args.superuser_url, "--database", args.database,
           "--owner", args.owner, "--app-role", args.app_role, env=env)
    _flask("db", "upgrade", env=env)


def drop_database(args) -> None:
    engine = sa.create_engine(args.superuser_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    engine.dispose()


def _app(database_url: str, migration_url: str):
    """The app as production builds it, from the environment."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["MIGRATION_DATABASE_URL"] = migration_url
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    os.environ.pop("FLASK_DEBUG", None)
    from crm import create_app
    from crm import freeze_startup_objects

    app = create_app()
    freeze_startup_objects()  # as wsgi.py does
    return app


def ensure_seed(args, owner_url: str, app_url: str) -> None:
    from bench import seed

    engine = sa.create_engine(owner_url)
    with engine.connect() as conn:
        counts = seed.current_counts(conn)
    engine.dispose()
    expected = seed.expected_counts()
    if counts == expected and not args.reseed:
        log(f"reusing the seed: {counts}")
        return
    if any(counts.values()) or args.reseed:
        log(f"seed incomplete or asked for again ({counts}): recreating the database")
        drop_database(args)
        prepare_database(args, owner_url, app_url)
    started = time.perf_counter()
    seed.seed_organizations(_app(owner_url, owner_url))
    log(f"seeded organizations and members in {time.perf_counter() - started:.1f} s")
    seed.seed_rows(owner_url, log)
    engine = sa.create_engine(owner_url)
    with engine.connect() as conn:
        counts = seed.current_counts(conn)
    engine.dispose()
    if counts != expected:
        raise SystemExit(f"seed counts {counts} differ from {expected}")
    log(f"seed complete in {time.perf_counter() - started:.1f} s")


def ensure_pipeline_seed(args, owner_url: str) -> None:
    """The pipeline's deals, history and interactions on top of the lead seed (redone alone
    when its counts are not right, without touching the million leads)."""
    from bench import seed_pipeline

    engine = sa.create_engine(owner_url)
    with engine.connect() as conn:
        counts = seed_pipeline.current_counts(conn)
    engine.dispose()
    expected = seed_pipeline.expected_counts()
    if counts == expected and not args.reseed:
        log(f"reusing the pipeline seed: {counts}")
        return
    started = time.perf_counter()
    seed_pipeline.seed_pipeline(owner_url, log)
    engine = sa.create_engine(owner_url)
    with engine.connect() as conn:
        counts = seed_pipeline.current_counts(conn)
    engine.dispose()
    if counts != expected:
        raise SystemExit(f"pipeline seed counts {counts} differ from {expected}")
    log(f"pipeline seed complete in {time.perf_counter() - started:.1f} s")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--superuser-url", default=os.environ.get("BENCH_SUPERUSER_URL", DEFAULT_SUPERUSER_URL))
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "crm_bench"))
    parser.add_argument("--owner", default=os.environ.get("BENCH_OWNER", "crm_bench_owner"))
    parser.add_argument("--app-role", default=os.environ.get("BENCH_APP_ROLE", "crm_bench_app"))
    parser.add_argument("--owner-password", default=os.environ.get("BENCH_OWNER_PASSWORD"))
    parser.add_argument("--app-password", default=os.environ.get("BENCH_APP_PASSWORD"))
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", "200")))
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed it again")
    parser.add_argument("--scenario", action="append", help="run only these scenarios")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--wait-idle", type=float, default=float(os.environ.get("BENCH_WAIT_IDLE", "0")),
                        help="wait up to this many seconds for the 1-minute load average to fall below 1 "
                             "before timing (a shared machine)")
    return parser


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def cpu_calibration() -> float:
    """Milliseconds for a fixed pure-Python loop (median of five): on a shared or virtual
    machine the CPU a process gets varies, and so do the timings; this says by how much."""
    runs = []
    for _ in range(5):
        started = time.process_time()
        total = 0
        for i in range(1_000_000):
            total += i * i
        runs.append(time.process_time() - started)
    return round(sorted(runs)[2] * 1000, 1)


def wait_for_idle(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while load_average() >= 1 and time.monotonic() < deadline:
        log(f"load average {load_average()}: waiting for the machine to settle")
        time.sleep(15)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    owner_url, app_url = _urls(args)
    prepare_database(args, owner_url, app_url)
    ensure_seed(args, owner_url, app_url)
    ensure_pipeline_seed(args, owner_url)

    from bench import imports
    from bench import scenarios
    from bench import scoring

    app = _app(app_url, owner_url)
    if args.wait_idle:
        wait_for_idle(args.wait_idle)
    machine = {"scenario": "machine", "unit": "load", "target": None}
    print(json.dumps({**machine, "metric": "load_average_1m_before", "value": load_average()}), flush=True)
    print(json.dumps({**machine, "metric": "cpu_calibration_before", "value": cpu_calibration(), "unit": "ms"}),
          flush=True)
    missed = []
    results = scenarios.run_all(app, args.requests, args.warmup, args.scenario, log)
    if not args.scenario or scoring.NAME in args.scenario:
        results = itertools.chain(results, scoring.run(app, owner_url, log))
    results = itertools.chain(results, imports.run(app, owner_url, app_url, [
        name for name in imports.NAMES if not args.scenario or name in args.scenario], log))
    for result in results:
        print(json.dumps(result), flush=True)
        if result["target"] is not None and result["value"] > result["target"]:
            missed.append(f"{result['scenario']} {result['metric']} {result['value']} > {result['target']}")
    print(json.dumps({**machine, "metric": "load_average_1m_after", "value": load_average()}), flush=True)
    print(json.dumps({**machine, "metric": "cpu_calibration_after", "value": cpu_calibration(), "unit": "ms"}),
          flush=True)
    for line in missed:
        log(f"target missed: {line}")
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
