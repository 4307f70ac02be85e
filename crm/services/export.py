"""CSV export that spreadsheets cannot turn into formulas."""

import csv
import io
from collections.abc import Iterable

from flask import Response
from flask import stream_with_context

from tenants.context import current_org_id
from tenants.context import current_user_id
from tenants.context import org_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> Response:
    """Stream the CSV (an export of a big list never sits whole in memory)."""

    org_id, user_id = current_org_id.get(), current_user_id.get()

    def generate():
        # The body is produced after the view has returned and left the organization, so the
        # generator enters it again itself (the queries in ``rows`` run lazily, in here).
        with org_context(org_id, user_id):
            yield from _lines(header, rows)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _lines(header: list[str], rows: Iterable[list]):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()  # a BOM, so Excel reads UTF-8
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralize(cell) for cell in row])
        yield buffer.getvalue()
