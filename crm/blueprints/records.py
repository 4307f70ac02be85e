"""View helpers shared by the record blueprints (companies, contacts, leads).

The three lists answer search, bulk actions, delete and undo the same way; the helpers
here hold that answer once, and each blueprint keeps its own thin, explicitly guarded
views (URL, endpoint name and permission stay visible where the route is declared).
"""

import json
from dataclasses import dataclass
from types import ModuleType

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from crm.extensions import db
from crm.extensions import htmx
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Tag
from crm.permissions import can
from crm.services import ServiceError
from crm.services.export import csv_response
from crm.services.listing import all_rows


@dataclass(frozen=True)
class RecordKind:
    """One kind of customer record, as its views, templates and messages name it.

    ``service`` is its module in ``crm.services``: ``LIST``, ``list_query``, ``export_row``,
    ``EXPORT_HEADER`` and ``bulk_assign``/``bulk_tag``/``bulk_delete``/``bulk_restore``.
    """

    name: str  # "companies": the blueprint, the template folder, the permission prefix
    singular: str  # "company": messages and the record id parameter (company_id)
    service: ModuleType
    assign_permission: str  # what setting the owner of ticked rows needs ("leads.assign", else <name>.edit)

    @property
    def title(self) -> str:
        return self.name.capitalize()

    @property
    def id_arg(self) -> str:
        return f"{self.singular}_id"

    def endpoint(self, view: str) -> str:
        """``endpoint("list")`` is "companies.companies_list"."""
        return f"{self.name}.{self.name}_{view}"

    def permission(self, action: str) -> str:
        return f"{self.name}.{action}"

    def template(self, filename: str) -> str:
        return f"{self.name}/{filename}"

    def count(self, number: int) -> str:
        """ "1 company", "3 companies"."""
        return f"{number} {self.singular if number == 1 else self.name}"


def list_target() -> bool:
    """True when htmx asks for the results region only (search, filter, sort, page)."""
    return bool(htmx) and not htmx.history_restore_request and htmx.target == "results"


def ids_from_request() -> list[str]:
    return request.values.getlist("ids")


def deleted_toast(message: str, undo_url: str) -> dict:
    payload = toast(message)
    payload["toast"]["undo"] = undo_url
    return payload


def after_create(endpoint: str, **values):
    """Go to the new record: a real redirect, or HX-Redirect for an htmx form."""
    url = url_for(endpoint, **values)
    if htmx:
        response = redirect(url)
        response.status_code = 204
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


# The list and its export

def list_page(kind: RecordKind, context: dict):
    """The list page, or only its results region when htmx searches, filters, sorts or pages."""
    page = kind.template("list.html")
    return render(page, kind.template("_results.html") if list_target() else page, record_kind=kind, **context)


def tags_by_name() -> list[Tag]:
    """The organization's tags for the bulk bar's picker, which calls this only when it shows it."""
    return db.session.scalars(sa.select(Tag).order_by(Tag.name)).all()


def export_csv(kind: RecordKind, state):
    """Every record the list's current filter shows, as a CSV download."""
    service = kind.service
    rows = (service.export_row(record) for record in all_rows(service.LIST, state, service.list_query()))
    return csv_response(f"{kind.name}.csv", service.EXPORT_HEADER, rows)


# Answers to a change

def changed(payload: dict, redirect_url: str):
    """After a committed change: the toast in ``HX-Trigger`` for htmx; without htmx the same
    message flashed (with its Undo, if any) and a redirect."""
    if wants_fragment():
        return "", 200, {"HX-Trigger": json.dumps(payload)}
    undo = payload["toast"].get("undo")
    flash(payload["toast"]["message"], "undo:" + undo if undo else "success")
    return redirect(redirect_url, 303)


def delete_record(kind: RecordKind, delete, record, name: str):
    """Delete softly with the service's ``delete``; the toast offers Undo, lists reload."""
    record_id = record.id
    delete(record)
    db.session.commit()
    undo = url_for(kind.endpoint("restore"), **{kind.id_arg: record_id})
    payload = {**deleted_toast(f"Deleted {name}.", undo), "records-changed": True}
    return changed(payload, url_for(kind.endpoint("list")))


def restore_record(kind: RecordKind, restore, record, name: str):
    """Undo a delete with the service's ``restore``: 410 when it can no longer be undone."""
    record_id = record.id
    try:
        restore(record)
    except ServiceError as error:
        abort(410, description=error.message)
    db.session.commit()
    payload = {**toast(f"Restored {name}."), "records-changed": True}
    return changed(payload, url_for(kind.endpoint("show"), **{kind.id_arg: record_id}))


# Bulk actions on the ticked rows

def _bulk_payload(kind: RecordKind, action: str, ids: list[str]) -> dict:
    """Do one bulk action and say what it did. The route needs <name>.edit; assigning and
    deleting check their own permission here (leads.assign, <name>.delete)."""
    service = kind.service
    if action == "assign":
        if not can(kind.assign_permission):
            abort(403, description=f"Your role does not allow assigning {kind.name}.")
        return toast(f"Owner set on {kind.count(service.bulk_assign(ids, request.form.get('owner_id')))}.")
    if action == "tag":
        return toast(f"Tagged {kind.count(service.bulk_tag(ids, request.form.get('tag_id')))}.")
    if action == "delete":
        if not can(kind.permission("delete")):
            abort(403, description=f"Your role does not allow deleting {kind.name}.")
        deleted = service.bulk_delete(ids)
        if not deleted:  # gone already (another tab, a colleague): nothing to undo
            return toast(f"None of the ticked {kind.name} could be deleted: they are gone already. "
                         "The list shows what is left.")
        undo = url_for(kind.endpoint("bulk_restore"), ids=deleted)
        return deleted_toast(f"Deleted {kind.count(len(deleted))}.", undo)
    raise ServiceError(f"Choose what to do with the ticked {kind.name}.")


def bulk_action(kind: RecordKind):
    """Assign an owner, add a tag or delete the ticked records; a refusal is a notice (422)."""
    try:
        payload = _bulk_payload(kind, request.form.get("action", ""), ids_from_request())
    except ServiceError as error:
        db.session.rollback()
        return render_template("_notice.html", message=error.message, level="error"), 422
    db.session.commit()
    return changed({**payload, "records-changed": True}, url_for(kind.endpoint("list")))


def bulk_restore(kind: RecordKind):
    """Undo a bulk delete."""
    count = kind.service.bulk_restore(ids_from_request())
    db.session.commit()
    return changed({**toast(f"Restored {kind.count(count)}."), "records-changed": True}, url_for(kind.endpoint("list")))
