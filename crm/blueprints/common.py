"""Helpers every blueprint uses to fetch records and answer forms."""

from flask import abort

from crm.extensions import db
from tenants.context import require_org_id


def get_or_404(model, record_id):
    """The current organization's record with this id, or 404 (never 403: no existence oracle).

    The ORM filter already hides other organizations' rows; the explicit org check also
    covers an object that happens to be in the session's identity map.
    """
    if not isinstance(record_id, int) or not 0 < record_id < 2**63:  # a bigger URL id is no row (and overflows SQLite)
        abort(404)
    record = db.session.get(model, record_id)
    if record is None or record.org_id != require_org_id():
        abort(404)
    return record
