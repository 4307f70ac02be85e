"""The signed-in member's own notification settings (any member; never another member's),
and the digest's unsubscribe link, which works without signing in."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from crm.blueprints.notifications import bp
from crm.extensions import db
from crm.htmx import render
from crm.models import Organization
from crm.models import User
from crm.permissions import require
from crm.services import ServiceError
from crm.services import notification_preferences as preferences
from tenants.context import org_context

public_bp = Blueprint("unsubscribe", __name__)


def _form(choices: dict[str, str], error: ServiceError | None = None, status: int = 200):
    return render("notifications/preferences.html", "notifications/_preferences.html", status=status,
                  kinds=preferences.KINDS, labels=preferences.LABELS, choices=choices, error=error)


@bp.get("/preferences")
@require("dashboard.view")
def preferences_edit():
    """How the member hears about each kind of notification."""
    return _form(preferences.choices_of(current_user.id))


@bp.post("/preferences")
@require("dashboard.view")
def preferences_save():
    """Store the member's choices; a bad value comes back as the form with its error."""
    wanted = {kind.name: request.form[kind.name] for kind in preferences.KINDS if kind.name in request.form}
    try:
        changed = preferences.save(current_user.id, wanted)
    except ServiceError as error:
        db.session.rollback()
        return _form({**preferences.choices_of(current_user.id), **wanted}, error, 422)
    db.session.commit()
    flash("Notification settings saved." if changed else "Nothing changed: these were already your settings.", "success")
    return redirect(url_for("notifications.preferences_edit"), 303)


def _unsubscribe_target(token: str):
    """The organization and member a link names, or the 400 page to answer with."""
    try:
        org_id, user_id = preferences.read_unsubscribe_token(token)
    except ServiceError as error:
        return None, None, (render_template("notifications/unsubscribe.html", message=error.message), 400)
    org, user = db.session.get(Organization, org_id), db.session.get(User, user_id)
    if org is None or user is None:
        message = "This unsubscribe link names an organization or account that no longer exists, so there is nothing to stop."
        return None, None, (render_template("notifications/unsubscribe.html", message=message), 404)
    return org, user, None


@public_bp.get("/unsubscribe/<token>")
def digest_unsubscribe(token):
    """Confirm before switching off: mail scanners open links, and must not unsubscribe anyone."""
    org, user, refusal = _unsubscribe_target(token)
    if refusal:
        return refusal
    return render_template("notifications/unsubscribe.html", org=org, user=user, token=token)


@public_bp.post("/unsubscribe/<token>")
def digest_unsubscribe_confirm(token):
    """Switch the named member's daily digest off in the named organization."""
    org, user, refusal = _unsubscribe_target(token)
    if refusal:
        return refusal
    with org_context(org.id, user.id):
        preferences.unsubscribe_digest(user.id)
        db.session.commit()
    return render_template("notifications/unsubscribe.html", org=org, user=user, done=True)
