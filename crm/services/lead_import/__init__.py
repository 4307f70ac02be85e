"""CSV lead import: upload, preview and mapping, start, progress, and the account of each row.

The steps a person goes through: ``create_import`` reads and checks the uploaded file and
keeps it (status "uploaded"); ``preview`` shows its first rows and a guessed mapping;
``start_import`` records the mapping and what applies to every row (campaign, source, owner,
tag, duplicate policy) and marks it queued, after which the caller queues the job
(crm.jobs.lead_import), which imports it chunk by chunk (processing.py). docs/imports.md
gives the guarantees.
"""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.extensions import db
from crm.models import Campaign
from crm.models import LeadImport
from crm.models import LeadImportRow
from crm.models import Organization
from crm.models import User
from crm.models.imports import DUPLICATE_POLICIES
from crm.models.leads import LEAD_SOURCES
from crm.services import ServiceError
from crm.services import notifications
from crm.services.lead_import import mapping as mappings
from crm.services.lead_import import reading
from crm.services.records import actor_id
from crm.services.records import check_owner
from crm.services.records import clean_choice
from crm.services.records import clean_text
from tenants.context import require_org_id

LIST_LIMIT = 50
FILE_NAME_MAX = 255
ABANDONED_AFTER_DAYS = 7


def create_import(file_name: str, stream, limit: int = reading.MAX_BYTES) -> LeadImport:
    """Read and check an upload, and keep it; the caller commits. Raises FileRefused."""
    name = " ".join((file_name or "").replace("\\", "/").split("/")[-1].split())[:FILE_NAME_MAX] or "upload.csv"
    data = reading.read_limited(stream, limit)
    read = reading.read_file(data)
    imp = LeadImport(file_name=name, size_bytes=len(data), encoding=read.encoding, delimiter=read.delimiter,
                     content=read.content, content_length=len(read.content), header=read.header,
                     data_offset=read.data_offset, cursor_offset=read.data_offset, total_rows=read.total_rows,
                     created_by_id=actor_id())
    db.session.add(imp)
    db.session.flush()
    return imp


def preview(imp: LeadImport) -> list[list[str]]:
    """The first rows of the file, cut to the header's width, for the mapping page."""
    piece = db.session.scalar(sa.select(sa.func.substr(LeadImport.content, imp.data_offset + 1, reading.SAMPLE_CHARS))
                              .where(LeadImport.id == imp.id)) or b""
    at_eof = imp.data_offset + reading.SAMPLE_CHARS >= imp.content_length
    window = reading.read_window(bytes(piece), imp.delimiter, at_eof, reading.PREVIEW_ROWS, 0)
    width = len(imp.header)
    return [[cell[:200] for cell in (cells + [""] * width)[:width]] for _index, cells in window.rows]


def guessed_mapping(imp: LeadImport) -> list[str]:
    return imp.mapping or mappings.guess(imp.header, mappings.remembered())


def campaigns() -> list[Campaign]:
    return db.session.scalars(sa.select(Campaign).order_by(sa.func.lower(Campaign.name))).all()


def _campaign(form) -> int | None:
    """An existing campaign picked from the list, or a new one by name (reused if the name
    exists in any case)."""
    new_name = clean_text(form.get("new_campaign"), "new_campaign", "campaign name", 200)
    if new_name:
        key = new_name.lower()
        found = db.session.scalar(sa.select(Campaign.id).where(Campaign.name_key == key))
        if found is not None:
            return found
        campaign = Campaign(name=new_name, name_key=key, created_by_id=actor_id())
        try:
            with db.session.begin_nested():
                db.session.add(campaign)
                db.session.flush()
        except IntegrityError:  # created meanwhile by someone else
            return db.session.scalar(sa.select(Campaign.id).where(Campaign.name_key == key))
        return campaign.id
    value = (form.get("campaign_id") or "").strip()
    if not value:
        return None
    found = db.session.scalar(sa.select(Campaign.id).where(Campaign.id == int(value))) if value.isdigit() and len(value) < 19 else None
    if found is None:
        raise ServiceError("Choose a campaign from the list, or type the name of a new one.", "campaign_id")
    return found


def start_import(imp: LeadImport, form) -> LeadImport:
    """Record the person's choices and mark the import queued; the caller queues the job and
    commits. Refuses an import that was already started."""
    if imp.status != "uploaded":
        raise ServiceError("This import has already been started.")
    mapping = mappings.from_form(form, imp.header)
    policy = (form.get("duplicate_policy") or "skip").strip()
    if policy not in DUPLICATE_POLICIES:
        raise ServiceError("Choose what to do with leads whose email already exists: skip them or update them.",
                           "duplicate_policy")
    tag = clean_text(" ".join((form.get("tag") or "").split()), "tag", "tag", 50)
    imp.source = clean_choice(form.get("source"), LEAD_SOURCES, "source", "source")
    imp.owner_id = check_owner(form.get("owner_id"))
    imp.campaign_id = _campaign(form)
    imp.mapping, imp.duplicate_policy, imp.tag_name = mapping, policy, tag
    imp.status = "queued"
    return imp


def recent_imports() -> list[LeadImport]:
    return db.session.scalars(sa.select(LeadImport).order_by(LeadImport.created_at.desc(), LeadImport.id.desc())
                              .limit(LIST_LIMIT)).all()


def rejected_rows(imp: LeadImport):
    """The rejected-rows CSV: the file's own columns, then the row number and the reason."""
    header = [*imp.header, "Row", "Reason"]
    width = len(imp.header)

    def rows():
        query = (sa.select(LeadImportRow.row_number, LeadImportRow.values, LeadImportRow.reason)
                 .where(LeadImportRow.import_id == imp.id, LeadImportRow.outcome.in_(("skipped", "failed")))
                 .order_by(LeadImportRow.row_number).execution_options(yield_per=1000))
        for row_number, values, reason in db.session.execute(query):
            cells = list(values or [])
            yield [*(cells + [""] * width)[:max(width, len(cells))], row_number, reason]

    return header, rows()


def rejected_file_name(imp: LeadImport) -> str:
    stem = imp.file_name.rsplit(".", 1)[0] or "import"
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_ " else "_" for c in stem)[:80].strip() or "import"
    return f"{safe} - rejected rows.csv"


def import_url(imp: LeadImport) -> str:
    slug = db.session.scalar(sa.select(Organization.slug).where(Organization.id == require_org_id()))
    return f"/{slug}/leads/imports/{imp.id}"


def summary(imp: LeadImport) -> str:
    return (f"{imp.created_count:,} created, {imp.updated_count:,} updated, {imp.skipped_count:,} skipped, "
            f"{imp.failed_count:,} failed")


def announce_finished(imp: LeadImport) -> None:
    """Tell the person who imported (and the owner the leads went to) that it is done."""
    link = import_url(imp)
    notifications.notify(imp.created_by_id, "import", f"Your import of {imp.file_name} is finished: {summary(imp)}.",
                         link, f"lead_import:{imp.id}:finished")
    assigned = imp.created_count + imp.updated_count
    if imp.owner_id and imp.owner_id != imp.created_by_id and assigned:
        who = db.session.scalar(sa.select(User.name).where(User.id == imp.created_by_id)) or "Someone"
        notifications.notify(imp.owner_id, "assigned", f"{who} imported {assigned:,} leads and assigned them to you.",
                             link, f"lead_import:{imp.id}:owner:{imp.owner_id}")


def mark_failed(imp: LeadImport, error: str) -> None:
    """The job gave up: the import says so, with what it had written (its counts are exact)."""
    if imp.status == "finished":
        return
    imp.status, imp.error, imp.finished_at = "failed", (error or "The import stopped.")[:500], clock.now()


def delete_abandoned_uploads(days: int = ABANDONED_AFTER_DAYS) -> int:
    """Files uploaded but never started, after ``days``: each keeps up to 50 MB, and an import
    that was not started wrote nothing, so no account of it is lost. Returns how many."""
    cutoff = clock.now() - timedelta(days=days)
    deleted = db.session.execute(sa.delete(LeadImport).where(LeadImport.status == "uploaded",
                                                             LeadImport.created_at < cutoff))
    return deleted.rowcount
