"""Job functions the queue tests start: module-level, as ``enqueue`` requires."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs import PermanentError
from crm.jobs import report_progress
from crm.jobs import run_again
from crm.models import Tag
from tenants.context import get_org_id
from tenants.context import unscoped

RAN: list[tuple[str, int | None, str]] = []   # (function, organization, argument), in the order they ran
FAILURES_LEFT: dict[str, int] = {}


def record_tag(name: str) -> None:
    """Idempotent, as every job must be: a second run finds its tag and adds nothing."""
    RAN.append(("record_tag", get_org_id(), name))
    if db.session.scalar(sa.select(Tag.id).where(Tag.name == name)) is None:
        db.session.add(Tag(name=name))


def flaky(name: str) -> None:
    RAN.append(("flaky", get_org_id(), name))
    db.session.add(Tag(name=name))
    db.session.flush()
    if FAILURES_LEFT.get(name, 0) > 0:
        FAILURES_LEFT[name] -= 1
        raise ConnectionError("the mail server did not answer")


def always_fails(name: str) -> None:
    RAN.append(("always_fails", get_org_id(), name))
    db.session.add(Tag(name=name))
    raise RuntimeError("the disk is full")


def always_fails_failed(name: str, error: str) -> None:
    db.session.add(Tag(name=f"gave-up-{name}"))


def refuses(name: str) -> None:
    RAN.append(("refuses", get_org_id(), name))
    raise PermanentError("The file has no rows: upload a CSV with a header row and at least one lead.")


def in_chunks(name: str, chunks: int) -> None:
    """Adds one tag per run until there are ``chunks``: idempotent, like a real chunked job."""
    done = db.session.scalar(sa.select(sa.func.count()).select_from(Tag).where(Tag.name.startswith(f"{name}-")))
    RAN.append(("in_chunks", get_org_id(), f"{name}-{done + 1}"))
    db.session.add(Tag(name=f"{name}-{done + 1}"))
    report_progress(done + 1, chunks, f"chunk {done + 1} of {chunks}")
    if done + 1 < chunks:
        run_again()


def count_every_tag(name: str) -> None:
    """Reads the tags table with the ORM filter lifted and in raw SQL: only RLS (PostgreSQL) and
    the job's organization context stand between it and other organizations' rows."""
    with unscoped():
        if db.engine.dialect.name == "postgresql":
            orgs = db.session.scalars(sa.text("SELECT DISTINCT org_id FROM tags")).all()
        else:
            orgs = db.session.scalars(sa.select(Tag.org_id).distinct()).all()
    RAN.append(("count_every_tag", get_org_id(), ",".join(str(o) for o in sorted(orgs))))


def mark_org(org_id: int) -> None:
    RAN.append(("mark_org", get_org_id(), str(org_id)))
