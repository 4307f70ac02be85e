"""Interactions, notes, tasks, tags and the timeline of a company, contact, lead or opportunity.

Every action on a record has one rule per kind of record (``/companies/<company_id>/...``,
``/contacts/<contact_id>/...``, ``/leads/<lead_id>/...``) served by the same view. A change
answers with its section of the activity panel (htmx) or redirects to the record page,
and announces itself with ``HX-Trigger``: a toast (with Undo after a delete) and
``activity-changed``, on which the timeline reloads itself.
"""

from flask import abort
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user

from crm.blueprints.activity import bp
from crm.blueprints.activity.forms import INTERACTION_FIELDS
from crm.blueprints.activity.forms import NOTE_FIELDS
from crm.blueprints.activity.forms import TAG_FIELDS
from crm.blueprints.activity.forms import TASK_FIELDS
from crm.blueprints.activity.forms import checked
from crm.blueprints.activity.forms import submitted
from crm.blueprints.common import get_or_404
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Interaction
from crm.models import Note
from crm.models import Tag
from crm.models import Task
from crm.models.tags import TAG_COLOURS
from crm.permissions import PERMISSIONS
from crm.permissions import can
from crm.permissions import require
from crm.services import ServiceError
from crm.services import activity
from crm.services import tags as tag_service
from crm.services.activity import PLURALS
from crm.services.activity import RECORD_MODELS
from crm.services.tags import COLOUR_NAMES

SECTION_TEMPLATES = {
    "interactions": "activity/_interactions.html", "notes": "activity/_notes.html",
    "tasks": "activity/_tasks.html", "tags": "activity/_tags.html", "timeline": "activity/_timeline.html",
}
SECTION_IDS = {"interactions": "#activity-interactions", "notes": "#activity-notes", "tasks": "#activity-tasks",
               "tags": "#record-tags", "mine": "#my-tasks"}


def _record_rule(suffix: str, endpoint: str, view, methods=("POST",)) -> None:
    """The same view on ``/companies/<company_id>``, ``/contacts/<contact_id>``, ``/leads/<lead_id>`` + suffix."""
    for kind, plural in PLURALS.items():
        bp.add_url_rule(f"/{plural}/<int:{kind}_id>{suffix}", endpoint, view, methods=list(methods))


def _record(ids: dict):
    """(kind, record) from the URL: a live record of this organization the member may see, else 404/403."""
    (param, record_id), = ids.items()
    kind = param.removesuffix("_id")
    record = get_or_404(RECORD_MODELS[kind], record_id)
    if record.deleted_at is not None:
        abort(404)
    permission = f"{PLURALS[kind]}.view"
    if not can(permission):
        abort(403, description=f"Your role does not allow this ({PERMISSIONS[permission].lower()}).")
    return kind, record


def _item(model, item_id: int, deleted: bool = False):
    """(item, kind, record): an interaction, note or task and the record whose panel shows it.

    The form says which panel it came from (``panel``): an item logged on a contact also
    shows on its company's page, and that page's section is the one to send back.
    """
    item = get_or_404(model, item_id)
    if item.deleted_at is not None and not deleted:
        abort(404)
    kind = request.values.get("panel", "")
    if kind not in RECORD_MODELS or getattr(item, f"{kind}_id") is None:
        kind = activity.primary_kind(item)
    kind, record = _record({f"{kind}_id": getattr(item, f"{kind}_id")})
    return item, kind, record


def _section(name: str, kind: str, record, status: int = 200, trigger: dict | None = None, failed: dict | None = None):
    """A section of the panel for htmx; without htmx, a page with the whole panel."""
    panel = activity.panel_context(kind, record, sections=(name,) if wants_fragment() else activity.SECTIONS)
    return render("activity/record.html", SECTION_TEMPLATES[name], status=status, trigger=trigger, panel=panel,
                  kind=kind, record=record, failed=failed or {}, record_page=_record_page(kind, record))


def _changed(name: str, kind: str, record, message: str, undo: str | None = None):
    """After a change: commit, then the refreshed section with a toast, or back to the record page."""
    db.session.commit()
    if not wants_fragment():
        flash(message, f"undo:{undo}" if undo else "success")
        return redirect(_record_page(kind, record), 303)
    note = toast(message)
    if undo:
        note["toast"].update(undo=undo, target=SECTION_IDS[name])
    return _section(name, kind, record, trigger={**note, "activity-changed": True})


def _refused(name: str, kind: str, record, error: ServiceError, form: str, values: dict):
    """The section again with the message inside it, next to the form that failed (422)."""
    db.session.rollback()
    failed = {"section": name, "form": form, "field": error.field, "message": error.message, "values": values}
    return _section(name, kind, record, status=error.status, failed=failed)


def _deleted(name: str, kind: str, record, message: str, restore_endpoint: str, **item_id):
    """After an item's delete: the section with a toast whose Undo restores it on this panel."""
    return _changed(name, kind, record, message, url_for(restore_endpoint, **item_id, panel=kind))


def _restored(name: str, kind: str, record, restore, item, message: str):
    """Undo an item's delete with the service's ``restore``; too late is a refusal in the section."""
    try:
        restore(item)
    except ServiceError as error:
        return _refused(name, kind, record, error, "", {})
    return _changed(name, kind, record, message)


def _record_page(kind: str, record) -> str:
    return activity.record_url(kind, record.id)


# The panel and the timeline

def activity_panel(**ids):
    """A record's whole activity panel as a page (also what forms fall back to without JavaScript)."""
    kind, record = _record(ids)
    return render("activity/record.html", "activity/_panel.html", panel=activity.panel_context(kind, record),
                  kind=kind, record=record, failed={}, record_page=_record_page(kind, record))


def activity_timeline(**ids):
    """The record's timeline, newest first (it reloads itself after every change)."""
    return _section("timeline", *_record(ids))


_record_rule("/activity", "activity_panel", require("interactions.view")(activity_panel), ("GET",))
_record_rule("/timeline", "activity_timeline", require("interactions.view")(activity_timeline), ("GET",))


# Interactions

def interactions_create(**ids):
    """Log a call, email, meeting, note, task or SMS on the record."""
    kind, record = _record(ids)
    values = submitted(INTERACTION_FIELDS)
    try:
        interaction = activity.log_interaction(kind, record, values, activity.org_timezone())
    except ServiceError as error:
        return _refused("interactions", kind, record, error, "new", values)
    return _changed("interactions", kind, record, f"{activity.kind_label(interaction.kind)} logged.")


_record_rule("/interactions", "interactions_create", require("interactions.log")(interactions_create))


@bp.post("/interactions/<int:interaction_id>")
@require("interactions.log")
def interactions_update(interaction_id):
    """Save changes to an interaction."""
    interaction, kind, record = _item(Interaction, interaction_id)
    values = submitted(INTERACTION_FIELDS)
    try:
        changed = activity.update_interaction(interaction, values, activity.org_timezone())
    except ServiceError as error:
        return _refused("interactions", kind, record, error, str(interaction_id), values)
    return _changed("interactions", kind, record, "Interaction saved." if changed else "No changes to save.")


@bp.post("/interactions/<int:interaction_id>/delete")
@require("interactions.log")
def interactions_delete(interaction_id):
    """Delete an interaction (Undo brings it back)."""
    interaction, kind, record = _item(Interaction, interaction_id)
    activity.delete_interaction(interaction)
    return _deleted("interactions", kind, record, f"{activity.kind_label(interaction.kind)} deleted.",
                    "activity.interactions_restore", interaction_id=interaction.id)


@bp.post("/interactions/<int:interaction_id>/restore")
@require("interactions.log")
def interactions_restore(interaction_id):
    """Undo the delete of an interaction."""
    interaction, kind, record = _item(Interaction, interaction_id, deleted=True)
    return _restored("interactions", kind, record, activity.restore_interaction, interaction,
                     f"{activity.kind_label(interaction.kind)} restored.")


# Notes

def _mention_message(base: str, mentions) -> str:
    if mentions is None:
        return base
    parts = [base]
    if mentions.notified:
        parts.append(f"Notified {', '.join(mentions.notified)}.")
    if mentions.unknown:
        parts.append(f"Not notified (no active member has this email): {', '.join(mentions.unknown)}.")
    return " ".join(parts)


def notes_create(**ids):
    """Add a note; members it mentions by email are notified."""
    kind, record = _record(ids)
    values = submitted(NOTE_FIELDS)
    try:
        _, mentions = activity.add_note(kind, record, values)
    except ServiceError as error:
        return _refused("notes", kind, record, error, "new", values)
    return _changed("notes", kind, record, _mention_message("Note added.", mentions))


_record_rule("/notes", "notes_create", require("interactions.log")(notes_create))


@bp.post("/notes/<int:note_id>")
@require("interactions.log")
def notes_update(note_id):
    """Save a note's new text (members newly mentioned are notified)."""
    note, kind, record = _item(Note, note_id)
    values = submitted(NOTE_FIELDS)
    try:
        mentions = activity.update_note(note, values, kind, record)
    except ServiceError as error:
        return _refused("notes", kind, record, error, str(note_id), values)
    return _changed("notes", kind, record, _mention_message("Note saved." if mentions else "No changes to save.", mentions))


@bp.post("/notes/<int:note_id>/pin")
@require("interactions.log")
def notes_pin(note_id):
    """Pin a note to the top of the list (``pinned=1``) or unpin it (``pinned=0``)."""
    note, kind, record = _item(Note, note_id)
    pinned = checked("pinned")
    activity.set_pinned(note, pinned)
    return _changed("notes", kind, record, "Note pinned." if pinned else "Note unpinned.")


@bp.post("/notes/<int:note_id>/delete")
@require("interactions.log")
def notes_delete(note_id):
    """Delete a note (Undo brings it back)."""
    note, kind, record = _item(Note, note_id)
    activity.delete_note(note)
    return _deleted("notes", kind, record, "Note deleted.", "activity.notes_restore", note_id=note.id)


@bp.post("/notes/<int:note_id>/restore")
@require("interactions.log")
def notes_restore(note_id):
    """Undo the delete of a note."""
    note, kind, record = _item(Note, note_id, deleted=True)
    return _restored("notes", kind, record, activity.restore_note, note, "Note restored.")


# Tasks

def tasks_create(**ids):
    """Add a task for the record."""
    kind, record = _record(ids)
    values = submitted(TASK_FIELDS)
    try:
        task = activity.add_task(kind, record, values)
    except ServiceError as error:
        return _refused("tasks", kind, record, error, "new", values)
    return _changed("tasks", kind, record, f"Task “{task.title}” added.")


_record_rule("/tasks", "tasks_create", require("interactions.log")(tasks_create))


@bp.post("/tasks/<int:task_id>")
@require("interactions.log")
def tasks_update(task_id):
    """Save changes to a task."""
    task, kind, record = _item(Task, task_id)
    values = submitted(TASK_FIELDS)
    try:
        changed = activity.update_task(task, values)
    except ServiceError as error:
        return _refused("tasks", kind, record, error, str(task_id), values)
    return _changed("tasks", kind, record, "Task saved." if changed else "No changes to save.")


@bp.post("/tasks/<int:task_id>/done")
@require("interactions.log")
def tasks_done(task_id):
    """Tick a task done (``done=1``) or open it again (no ``done``)."""
    task, kind, record = _item(Task, task_id)
    done = checked("done")
    activity.set_done(task, done)
    message = f"Task “{task.title}” {'done' if done else 'reopened'}."
    if request.values.get("from") == "mine":
        db.session.commit()
        if not wants_fragment():
            flash(message, "success")
            return redirect(url_for("activity.tasks_mine"), 303)
        return _my_tasks(trigger={**toast(message), "activity-changed": True})
    return _changed("tasks", kind, record, message)


@bp.post("/tasks/<int:task_id>/delete")
@require("interactions.log")
def tasks_delete(task_id):
    """Delete a task (Undo brings it back)."""
    task, kind, record = _item(Task, task_id)
    activity.delete_task(task)
    return _deleted("tasks", kind, record, f"Task “{task.title}” deleted.", "activity.tasks_restore", task_id=task.id)


@bp.post("/tasks/<int:task_id>/restore")
@require("interactions.log")
def tasks_restore(task_id):
    """Undo the delete of a task."""
    task, kind, record = _item(Task, task_id, deleted=True)
    return _restored("tasks", kind, record, activity.restore_task, task, f"Task “{task.title}” restored.")


def _my_tasks(status: int = 200, trigger: dict | None = None):
    return render("activity/my_tasks.html", "activity/_my_tasks.html", status=status, trigger=trigger,
                  **activity.my_tasks(current_user.id))


@bp.get("/tasks/mine")
@require("interactions.view")
def tasks_mine():
    """The signed-in member's open tasks: overdue, due today, upcoming."""
    return _my_tasks()


# Tags on a record (the permission is the record kind's edit permission)

def _tag_added(kind: str, record):
    tag_id, name = request.values.get("tag_id", "").strip(), request.form.get("name", "").strip()
    try:
        if name and not tag_id:
            if not can("tags.manage"):
                raise ServiceError("Your role cannot create tags: choose an existing tag from the list.", "name")
            tag = tag_service.create_tag(name, request.form.get("colour"))
        else:
            tag = tag_service.find_tag(tag_id)
        added = tag_service.add_tag(kind, record, tag)
    except ServiceError as error:
        return _refused("tags", kind, record, error, "add", {"tag_id": tag_id, "name": name})
    return _changed("tags", kind, record, f"Tagged {tag.name}." if added else f"Already tagged {tag.name}.")


def _tag_removed(kind: str, record, tag_id: int):
    tag = get_or_404(Tag, tag_id)
    removed = tag_service.remove_tag(kind, record, tag)
    if not removed:
        return _changed("tags", kind, record, f"Not tagged {tag.name}.")
    # Undo puts the same tag back through the add route (the tag id in its query string).
    undo = url_for(f"activity.record_tags_add_{kind}", **{f"{kind}_id": record.id}, tag_id=tag.id)
    return _changed("tags", kind, record, f"Tag {tag.name} removed.", undo)


def _tag_views(kind: str):
    plural = PLURALS[kind]

    @require(f"{plural}.edit")
    def add(**ids):
        return _tag_added(*_record(ids))

    @require(f"{plural}.edit")
    def remove(tag_id, **ids):
        return _tag_removed(*_record(ids), tag_id)

    add.__doc__ = f"Put a tag on a {kind} (an existing one, or a new one for members who manage tags)."
    remove.__doc__ = f"Take a tag off a {kind}."
    bp.add_url_rule(f"/{plural}/<int:{kind}_id>/tags", f"record_tags_add_{kind}", add, methods=["POST"])
    bp.add_url_rule(f"/{plural}/<int:{kind}_id>/tags/<int:tag_id>/remove", f"record_tags_remove_{kind}", remove,
                    methods=["POST"])


for _kind in PLURALS:
    _tag_views(_kind)


# Managing the organization's tags

def _tags_page(status: int = 200, trigger: dict | None = None, failed: dict | None = None):
    return render("activity/tags.html", "activity/_tag_admin.html", status=status, trigger=trigger,
                  tags=tag_service.tags_with_counts(), colours=COLOUR_NAMES, failed=failed or {})


def _tags_changed(message: str, undo: str | None = None):
    db.session.commit()
    if wants_fragment():
        note = toast(message)
        if undo:
            note["toast"].update(undo=undo, target="#tag-admin")
        return _tags_page(trigger=note)
    flash(message, f"undo:{undo}" if undo else "success")
    return redirect(url_for("activity.tags_list"), 303)


def _tags_refused(error: ServiceError, form: str, values: dict):
    db.session.rollback()
    return _tags_page(status=error.status, failed={"form": form, "field": error.field, "message": error.message,
                                                   "values": values})


@bp.get("/tags")
@require("tags.manage")
def tags_list():
    """The organization's tags, how often each is used, and forms to add, change and delete them."""
    return _tags_page()


@bp.post("/tags")
@require("tags.manage")
def tags_create():
    """Create a tag."""
    values = submitted(TAG_FIELDS)
    try:
        tag = tag_service.create_tag(values["name"], values["colour"], values["category"])
    except ServiceError as error:
        return _tags_refused(error, "new", values)
    return _tags_changed(f"Tag {tag.name} created.")


@bp.post("/tags/<int:tag_id>")
@require("tags.manage")
def tags_update(tag_id):
    """Rename a tag, or change its colour or category."""
    tag = get_or_404(Tag, tag_id)
    values = submitted(TAG_FIELDS)
    try:
        changed = tag_service.update_tag(tag, values["name"], values["colour"], values["category"])
    except ServiceError as error:
        return _tags_refused(error, str(tag_id), values)
    return _tags_changed(f"Tag {tag.name} saved." if changed else "No changes to save.")


@bp.post("/tags/<int:tag_id>/delete")
@require("tags.manage")
def tags_delete(tag_id):
    """Delete a tag and take it off every record."""
    tag = get_or_404(Tag, tag_id)
    name = tag.name
    tag_service.delete_tag(tag)
    return _tags_changed(f"Tag {name} deleted and removed from every record.",
                         undo=url_for("activity.tags_restore", tag_id=tag_id))


@bp.post("/tags/<int:tag_id>/restore")
@require("tags.manage")
def tags_restore(tag_id):
    """Undo a tag's delete: the tag comes back on the records that carried it."""
    try:
        tag = tag_service.restore_tag(tag_id)
    except ServiceError as error:
        db.session.rollback()
        return _tags_page(status=error.status, failed={"form": "undo", "field": None, "message": error.message,
                                                       "values": {}})
    if tag is None:
        abort(404)
    return _tags_changed(f"Tag {tag.name} is back on its records.")


# Template helpers

@bp.app_template_filter("local_time")
def local_time(moment, tz) -> str:
    """A stored time in the organization's timezone, e.g. 31 Mar 2025, 14:30."""
    from crm import clock

    return clock.aware(moment).astimezone(tz).strftime("%-d %b %Y, %H:%M") if moment else ""


@bp.app_template_filter("local_input")
def local_input(moment, tz) -> str:
    return activity.to_local_input(moment, tz)


@bp.app_template_filter("tag_colour")
def tag_colour(value) -> str:
    """Only the palette's colours reach a style attribute."""
    return value if value in TAG_COLOURS else TAG_COLOURS[0]


@bp.app_template_filter("tag_ink")
def tag_ink(value) -> str:
    """Black or white text, whichever reads better on the tag's colour."""
    colour = tag_colour(value)
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#111827" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"
