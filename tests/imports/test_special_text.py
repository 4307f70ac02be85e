"""Cells that mean something to PostgreSQL's COPY (backslashes, ``\\N``, tabs, quotes, line
breaks) are stored exactly as the file has them: rows go in through COPY on PostgreSQL."""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Lead
from crm.models import LeadImportRow
from tests.helpers import tenant
from tests.imports.support import csv_bytes
from tests.imports.support import run_import
from tests.imports.support import the_import

TRICKY = [["Back\\slash", "\\N", "a@example.com", "C:\\temp\\new", "Head\tof \"things\"", ""],
          ["Multi", "Line", "b@example.com", "Line one\nline two", "\\.", ""]]


def test_cells_copy_would_read_as_escapes_are_stored_as_they_are(admin_a, org_a):
    bad = ["\\N", "x", "not an email\\t", "", "", ""]
    import_id = run_import(admin_a, "acme", csv_bytes(TRICKY + [bad]))
    assert (the_import(org_a, import_id).created_count, the_import(org_a, import_id).failed_count) == (2, 1)
    with tenant(org_a):
        leads = {lead.email: lead for lead in db.session.scalars(sa.select(Lead))}
        assert (leads["a@example.com"].first_name, leads["a@example.com"].last_name) == ("Back\\slash", "\\N")
        assert leads["a@example.com"].company_name == "C:\\temp\\new"
        assert leads["a@example.com"].title == "Head\tof \"things\""
        assert leads["b@example.com"].company_name == "Line one\nline two"
        assert leads["b@example.com"].title == "\\."
        rejected = db.session.scalar(sa.select(LeadImportRow.values).where(LeadImportRow.outcome == "failed"))
        assert rejected == bad
