"""The import's work, one chunk of rows per call, each chunk one transaction.

A chunk locks its import row, reads the rows after the cursor, writes their leads (one
SELECT for the chunk's emails, one multi-row INSERT, updates by primary key), a row of
``lead_import_rows`` per file row, and moves the cursor and the counts, all in the caller's
transaction. So a chunk is written whole or not at all: a worker killed halfway leaves the
cursor where the last committed chunk put it, and running the job again carries on from
there; a run that finds the cursor moved by another copy does the next chunk, never the same.
"""

import json
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql

from crm import clock
from crm.extensions import db
from crm.models import Lead
from crm.models import LeadImport
from crm.models import LeadImportRow
from crm.models import LeadTag
from crm.models import Tag
from crm.services import bulk
from crm.services.lead_import import prefetch
from crm.services.lead_import import reading
from crm.services.lead_import.rows import RowRejected
from crm.services.lead_import.rows import lead_values

CHUNK_ROWS = 5_000
WINDOW_BYTES = 4 * 1024 * 1024
ACTIVE = ("queued", "running", "failed")


@dataclass
class Outcome:
    row_number: int
    outcome: str
    reason: str | None = None
    cells: list[str] | None = None
    lead_id: int | None = None
    values: dict | None = None


@dataclass
class Checked:
    """A row of the file checked as a lead: its values, or why it cannot be one."""

    index: int
    cells: list[str]
    values: dict | None
    reason: str | None


def lock(import_id: int) -> LeadImport | None:
    return db.session.scalar(sa.select(LeadImport).where(LeadImport.id == import_id)
                             .with_for_update().execution_options(populate_existing=True))


def next_window(imp: LeadImport, max_rows: int) -> reading.Window:
    """The rows after the cursor, read from the stored file a window of bytes at a time (a big
    file is never loaded whole for each chunk); the window grows when a single row is longer."""
    size = _window_size(imp, max_rows)
    while True:
        start = imp.cursor_offset
        piece = db.session.scalar(sa.select(sa.func.substr(LeadImport.content, start + 1, size))
                                  .where(LeadImport.id == imp.id)) or b""
        at_eof = start + size >= imp.content_length
        window = reading.read_window(bytes(piece), imp.delimiter, at_eof, max_rows, imp.rows_read)
        if window.records or at_eof:
            return window
        size *= 2


def _rows_at_cursor(imp: LeadImport, max_rows: int) -> tuple[reading.Window, list[Checked]]:
    """The chunk's rows, checked: by the thread the previous chunk started, when it did."""
    found = prefetch.take((imp.id, imp.cursor_offset, imp.rows_read, max_rows))
    if found is not None:
        return found
    window = next_window(imp, max_rows)
    return window, check_rows(window.rows, imp.mapping)


def _check_next_in_background(imp: LeadImport, window: reading.Window, max_rows: int) -> None:
    """Fetch the bytes after this chunk's rows and start reading and checking them."""
    start, first_index = imp.cursor_offset + window.bytes_read, imp.rows_read + window.records
    size = _window_size(imp, max_rows)
    piece = bytes(db.session.scalar(sa.select(sa.func.substr(LeadImport.content, start + 1, size))
                                    .where(LeadImport.id == imp.id)) or b"")
    at_eof, delimiter, mapping = start + size >= imp.content_length, imp.delimiter, imp.mapping
    app = current_app._get_current_object()

    def read_and_check():
        with app.app_context():  # the phone check reads the default region from the config
            ahead = reading.read_window(piece, delimiter, at_eof, max_rows, first_index)
            if not ahead.records and not at_eof:
                return None  # a row longer than the piece: next_window grows its window
            return ahead, check_rows(ahead.rows, mapping)

    prefetch.start((imp.id, start, first_index, max_rows), read_and_check)


def _window_size(imp: LeadImport, max_rows: int) -> int:
    """Enough bytes for ``max_rows`` rows of the file's average length, with a margin: reading
    4 MB for every 5,000-row chunk of short rows cost more than parsing them."""
    rows_left = imp.total_rows - imp.rows_done
    if rows_left <= 0:
        return WINDOW_BYTES
    average = (imp.content_length - imp.cursor_offset) / rows_left
    return min(WINDOW_BYTES, max(64 * 1024, int(average * max_rows * 1.25)))


def _existing_by_email(emails: list[str]) -> dict[str, int]:
    """The oldest live lead per email (case ignored); one statement for the whole chunk.

    Every path that writes a lead's email lower-cases it (``normalize_email``), so on
    PostgreSQL the lowered emails are compared exactly, through the plain ``(org_id, email)``
    index: 5,000 lookups take 10 ms there against 25 ms through the ICU-collated search index.
    """
    if not emails:
        return {}
    if _on_postgres():  # one array parameter rather than 5,000
        same = Lead.email == sa.any_(sa.literal(emails, postgresql.ARRAY(sa.Text)))
    else:
        same = sa.func.lower(Lead.email).in_(emails)
    # Deleted leads are left out here, not in SQL: ``deleted_at IS NULL`` made the planner prefer
    # one of the partial "live leads" indexes on org_id alone whenever its statistics put few
    # leads in the organization (as they do while this very import fills it), and filter every
    # lead of the organization against the 5,000 emails: minutes a chunk instead of 50 ms.
    rows = db.session.execute(sa.select(Lead.id, Lead.email, Lead.deleted_at).where(same).order_by(Lead.id)).all()
    rows = [(lead_id, email) for lead_id, email, deleted_at in rows if deleted_at is None]
    found: dict[str, int] = {}
    for lead_id, email in rows:
        found.setdefault(email.strip().lower(), lead_id)
    return found


def _earlier_rows(import_id: int, lead_ids: list[int]) -> dict[int, int]:
    """Leads this import already created or updated in earlier chunks: lead id -> its row."""
    if not lead_ids:
        return {}
    # Only lead_id in SQL, so the (org_id, lead_id) index drives it: with the import's id as well,
    # PostgreSQL read the import's every earlier row through (org_id, import_id, row_number) at
    # each chunk, 38 µs a row over a 100,000-row import. A lead's rows of other imports are few.
    if _on_postgres():
        among = LeadImportRow.lead_id == sa.any_(sa.literal(lead_ids, postgresql.ARRAY(sa.BigInteger)))
    else:
        among = LeadImportRow.lead_id.in_(lead_ids)
    rows = db.session.execute(sa.select(LeadImportRow.lead_id, LeadImportRow.row_number, LeadImportRow.import_id,
                                        LeadImportRow.outcome).where(among)).all()
    first: dict[int, int] = {}
    for lead_id, row_number, row_import_id, outcome in rows:
        if row_import_id == import_id and outcome in ("created", "updated"):
            first[lead_id] = min(row_number, first.get(lead_id, row_number))
    return first


def check_rows(rows: list[tuple[int, list[str]]], mapping: list[str]) -> list[Checked]:
    """Validation alone, without the database (so it can run in crm.services.lead_import.prefetch)."""
    checked = []
    for index, cells in rows:
        try:
            checked.append(Checked(index, cells, lead_values(cells, mapping), None))
        except RowRejected as error:
            checked.append(Checked(index, cells, None, error.message[:300]))
    return checked


def classify(imp: LeadImport, rows: list[Checked]) -> list[Outcome]:
    """Each row's fate: failed (invalid), skipped (a duplicate), or to create or update."""
    outcomes, first_row_of = [], {}
    for row in rows:
        row_number, cells, values = row.index + 2, row.cells, row.values  # the header is row 1, as in a spreadsheet
        if values is None:
            outcomes.append(Outcome(row_number, "failed", row.reason, cells))
            continue
        email = values["email"]
        if email and email in first_row_of:
            outcomes.append(Outcome(row_number, "skipped", f"Same email as row {first_row_of[email]} of this file.", cells))
            continue
        if email:
            first_row_of[email] = row_number
        outcomes.append(Outcome(row_number, "created", cells=cells, values=values))
    pending = [o for o in outcomes if o.outcome == "created"]
    existing = _existing_by_email([o.values["email"] for o in pending if o.values["email"]])
    earlier = _earlier_rows(imp.id, list(existing.values()))
    for o in pending:
        lead_id = existing.get(o.values["email"]) if o.values["email"] else None
        if lead_id is None:
            continue
        o.lead_id = lead_id
        if lead_id in earlier:
            o.outcome, o.reason = "skipped", f"Same email as row {earlier[lead_id]} of this file."
        elif imp.duplicate_policy == "skip":
            o.outcome, o.reason = "skipped", f"A lead with this email already exists (lead #{lead_id})."
        else:
            o.outcome = "updated"
    return outcomes


def _on_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert(model, rows: list[dict]) -> None:
    """Many rows at once: on PostgreSQL through COPY (crm.services.bulk: a third faster than
    arrays for a 100,000-row import), on SQLite an executemany, which is fast enough there."""
    if not rows:
        return
    if not _on_postgres():
        db.session.execute(sa.insert(model), rows)
        return
    names = list(rows[0])
    table = model.__table__
    as_json = {i for i, name in enumerate(names) if isinstance(table.c[name].type, sa.JSON)}

    def values(row: dict) -> list:
        cells = [row[name] for name in names]
        for i in as_json:
            if cells[i] is not None:
                cells[i] = json.dumps(cells[i])
        return cells

    bulk.insert(table.name, names, map(values, rows))


def _new_lead_ids(count: int) -> list[int]:
    """Ids for new leads, taken from the table's sequence before the insert (PostgreSQL), so that
    each row's lead is known without relying on the order RETURNING gives them in."""
    sequence = sa.func.nextval(sa.func.pg_get_serial_sequence("leads", "id"))
    return db.session.scalar(sa.select(sa.func.array_agg(sequence)).select_from(sa.func.generate_series(1, count)))


def _tag_id(imp: LeadImport) -> int | None:
    if not imp.tag_name:
        return None
    tag_id = db.session.scalar(sa.select(Tag.id).where(sa.func.lower(Tag.name) == imp.tag_name.lower()).limit(1))
    if tag_id is None:
        tag = Tag(name=imp.tag_name, org_id=imp.org_id)
        db.session.add(tag)
        db.session.flush()
        tag_id = tag.id
    return tag_id


def _create(imp: LeadImport, outcomes: list[Outcome]) -> None:
    if not outcomes:
        return
    moment = clock.now()
    rows = [{**o.values, "org_id": imp.org_id, "source": imp.source, "status": "new", "owner_id": imp.owner_id,
             "campaign_id": imp.campaign_id, "created_by_id": imp.created_by_id, "custom_fields": {},
             "created_at": moment, "updated_at": moment} for o in outcomes]
    if _on_postgres():
        ids = _new_lead_ids(len(rows))
        for row, lead_id in zip(rows, ids):
            row["id"] = lead_id
        _insert(Lead, rows)
    else:
        ids = db.session.scalars(sa.insert(Lead).returning(Lead.id, sort_by_parameter_order=True), rows).all()
    for o, lead_id in zip(outcomes, ids):
        o.lead_id = lead_id


def _update(imp: LeadImport, outcomes: list[Outcome]) -> None:
    """The file's non-empty values, and the import's campaign, source and owner when chosen.
    Rows with the same set of changed fields go in one executemany."""
    if not outcomes:
        return
    moment = clock.now()
    common = {name: getattr(imp, name) for name in ("campaign_id", "source", "owner_id") if getattr(imp, name)}
    by_fields = defaultdict(list)
    for o in outcomes:
        changes = {k: v for k, v in o.values.items() if v}
        row = {"id": o.lead_id, **changes, **common, "updated_at": moment}
        by_fields[tuple(sorted(row))].append(row)
    for rows in by_fields.values():
        db.session.execute(sa.update(Lead), rows)


def _tag(imp: LeadImport, outcomes: list[Outcome]) -> None:
    tag_id = _tag_id(imp)
    lead_ids = [o.lead_id for o in outcomes]
    if tag_id is None or not lead_ids:
        return
    updated = [o.lead_id for o in outcomes if o.outcome == "updated"]
    have = set(db.session.scalars(sa.select(LeadTag.lead_id).where(LeadTag.tag_id == tag_id,
                                                                   LeadTag.lead_id.in_(updated)))) if updated else set()
    _insert(LeadTag, [{"org_id": imp.org_id, "lead_id": lead_id, "tag_id": tag_id}
                      for lead_id in lead_ids if lead_id not in have])


def _record(imp: LeadImport, outcomes: list[Outcome]) -> None:
    if not outcomes:
        return
    rejected = ("skipped", "failed")
    _insert(LeadImportRow, [
        {"org_id": imp.org_id, "import_id": imp.id, "row_number": o.row_number, "outcome": o.outcome,
         "reason": o.reason, "values": o.cells if o.outcome in rejected else None, "lead_id": o.lead_id}
        for o in outcomes])
    counts = defaultdict(int)
    for o in outcomes:
        counts[o.outcome] += 1
    imp.created_count += counts["created"]
    imp.updated_count += counts["updated"]
    imp.skipped_count += counts["skipped"]
    imp.failed_count += counts["failed"]
    imp.rows_done += len(outcomes)


def run_chunk(import_id: int, max_rows: int | None = None) -> LeadImport | None:
    """Import the next chunk of rows in the caller's transaction; the import (locked), or None
    when there was nothing left to do (finished already, or not started)."""
    imp = lock(import_id)
    if imp is None or imp.status not in ACTIVE:
        return None
    if imp.status != "running":
        imp.status, imp.error = "running", None
        imp.started_at = imp.started_at or clock.now()
    max_rows = max_rows or CHUNK_ROWS
    window, checked = _rows_at_cursor(imp, max_rows)
    if not window.at_end:
        _check_next_in_background(imp, window, max_rows)
    outcomes = classify(imp, checked)
    to_create = [o for o in outcomes if o.outcome == "created"]
    to_update = [o for o in outcomes if o.outcome == "updated"]
    _create(imp, to_create)
    _update(imp, to_update)
    _tag(imp, to_create + to_update)
    _record(imp, outcomes)
    imp.rows_read += window.records
    imp.cursor_offset += window.bytes_read
    if window.at_end:
        imp.status, imp.finished_at = "finished", clock.now()
    db.session.flush()
    return imp
