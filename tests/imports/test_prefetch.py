"""Reading ahead: the next chunk's rows are checked in a thread while this chunk writes, and
the next chunk uses them only when it starts exactly where they begin."""

from crm.services.lead_import import prefetch
from crm.services.lead_import import processing
from tests.imports.support import csv_bytes
from tests.imports.support import lead_emails
from tests.imports.support import people
from tests.imports.support import run_import
from tests.imports.support import the_import


def test_every_chunk_after_the_first_uses_the_rows_read_ahead(admin_a, org_a, monkeypatch):
    taken = []
    real_take = prefetch.take

    def counting_take(key):
        found = real_take(key)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(prefetch, "take", counting_take)
    monkeypatch.setattr(processing, "CHUNK_ROWS", 4)
    data = people(17) + [["Same", "Again", "person2@example.com", "", "", ""], ["", "", "not-an-email", "", "", ""]]
    import_id = run_import(admin_a, "acme", csv_bytes(data))
    imp = the_import(org_a, import_id)
    assert (imp.status, imp.created_count, imp.skipped_count, imp.failed_count) == ("finished", 17, 1, 1)
    assert lead_emails(org_a) == sorted(f"person{i}@example.com" for i in range(17))
    assert taken == [False] + [True] * 4  # five chunks of four rows or fewer


def test_rows_read_ahead_from_another_place_in_the_file_are_not_used():
    prefetch.start((1, 100, 0, 5), lambda: "rows after byte 100")
    assert prefetch.take((1, 250, 0, 5)) is None
    assert prefetch.take((1, 100, 0, 5)) == "rows after byte 100"
    assert prefetch.take((1, 100, 0, 5)) is None  # taken once
