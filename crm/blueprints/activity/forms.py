"""The activity panel's forms are plain HTML (one macro renders both the add and the edit
form of an item); the services validate every value. This module names what each form
sends and reads it from the request."""

from flask import request

INTERACTION_FIELDS = ("kind", "subject", "body", "occurred_at", "duration_minutes", "outcome", "next_step", "sentiment")
NOTE_FIELDS = ("body",)
TASK_FIELDS = ("title", "due_on", "priority", "assignee_id")
TAG_FIELDS = ("name", "colour", "category")

MENTION_HELP = ("To notify a member, type @ and their email address, for example "
                "@jane@example.com. Each mentioned member is notified once per note.")


def submitted(names) -> dict[str, str]:
    """The form's values by name (missing ones empty), as the services take them."""
    return {name: request.form.get(name, "") for name in names}


def checked(name: str) -> bool:
    """A checkbox or a hidden ``1``/``0`` field: true when sent as 1, on or true."""
    return request.form.get(name, "").strip().lower() in ("1", "on", "true", "yes")
