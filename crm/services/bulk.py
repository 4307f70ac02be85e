"""Many rows into PostgreSQL at once, for the jobs that write tens of thousands per transaction
(the CSV import, the nightly rescoring).

Rows are streamed with COPY into a temporary table and moved from there with ``INSERT ...
SELECT``, which row-level security checks like any insert (COPY itself is refused on a table
under row-level security). psycopg writes COPY rows in C. The alternatives measured slower:
``INSERT ... SELECT FROM unnest(arrays)`` makes psycopg dump every array element in Python
(escaping the quotes of each JSON text with a regular expression), and SQLAlchemy's typed
arrays process each element once more; an executemany sends a statement a row
(docs/imports.md, docs/scoring.md).
"""

from collections.abc import Iterable
from collections.abc import Sequence

import sqlalchemy as sa

from crm.extensions import db


def stage(table: str, columns: Sequence[str], rows: Iterable[Sequence], name: str | None = None) -> str:
    """A temporary table (dropped at commit) with ``columns`` typed as in ``table``, holding
    ``rows`` (values in the order of ``columns``; JSON as its text); its name."""
    name = name or f"staging_{table}"
    listed = ", ".join(columns)
    db.session.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    db.session.execute(sa.text(f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS SELECT {listed} FROM {table} "
                               f"WITH NO DATA"))
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {name} ({listed}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return name


def insert(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """``rows`` into ``table`` through a staging table."""
    staging = stage(table, columns, rows)
    listed = ", ".join(columns)
    db.session.execute(sa.text(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {staging}"))
    db.session.execute(sa.text(f"DROP TABLE {staging}"))


ANALYZE_AFTER_ROWS = 10_000


def refresh_lead_statistics() -> None:
    """PostgreSQL's statistics of the lead tables, brought up to date after a large import has
    been written and scored (migration 0015 says why: plans made for an organization they take
    for almost empty read all of its rows once per row). ANALYZE samples 30,000 rows of each of
    five tables, about a second on the bench database, so the import's own chunks leave it to
    the scoring job that follows them."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT crm_analyze_lead_tables()"))

