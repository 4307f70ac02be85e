"""The bell in the top bar and the member's notifications page.

Every member sees only their own notifications: another member's id answers 404, like an id
of another organization. Marking one read answers with its row and, out of band, the bell.
"""

from flask import abort
from flask import flash
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from crm.blueprints.common import get_or_404
from crm.blueprints.notifications import bp
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Notification
from crm.permissions import require
from crm.services import notifications
from crm.services.activity import org_timezone
from tenants.web import current_org


@bp.app_template_global()
def unread_notifications() -> int:
    """The bell's figure for the page being rendered: one count, at most once a request."""
    if "unread_notifications" not in g:
        g.unread_notifications = notifications.unread_count(current_user.id)
    return g.unread_notifications


@bp.app_template_global()
def notification_link(notification: Notification) -> str | None:
    """Where the notification leads, if anywhere safe (the row links only then)."""
    return notifications.safe_link(notification.link, current_org().slug)


def _mine(notification_id: int) -> Notification:
    notification = get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        abort(404)
    return notification


def _cursor() -> int | None:
    value = request.args.get("before", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        return None
    return int(value) if 0 < int(value) < 2**63 else None


def _page(trigger: dict | None = None):
    """The page, or for htmx its list and (after a change) the bell out of band."""
    page = notifications.page_for(current_user.id, _cursor())
    return render("notifications/list.html", "notifications/_list.html", trigger=trigger, page=page,
                  tz=org_timezone(), unread=notifications.unread_count(current_user.id), oob_bell=trigger is not None)


@bp.get("/")
@require("dashboard.view")
def notifications_list():
    """The member's notifications, newest first, 50 at a time."""
    return _page()


@bp.get("/bell")
@require("dashboard.view")
def notifications_bell():
    """The bell alone, which polls this to keep its count current without a reload."""
    response = make_response(render_template("notifications/_bell.html"))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:notification_id>")
@require("dashboard.view")
def notifications_open(notification_id):
    """Follow a notification's link, marking it read on the way."""
    notification = _mine(notification_id)
    notifications.mark_read(notification)
    db.session.commit()
    target = notifications.safe_link(notification.link, current_org().slug)
    if target is None:
        flash("This notification has no page to open.", "info")
        return redirect(url_for("notifications.notifications_list"), 303)
    return redirect(target, 303)


@bp.post("/<int:notification_id>/read")
@require("dashboard.view")
def notifications_read(notification_id):
    """Mark one notification read; htmx gets its row back and the bell out of band."""
    notification = _mine(notification_id)
    notifications.mark_read(notification)
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("notifications.notifications_list", before=_cursor()), 303)
    return render_template("notifications/_row.html", n=notification, tz=org_timezone(), row_oob=True,
                           unread=notifications.unread_count(current_user.id))


@bp.post("/read")
@require("dashboard.view")
def notifications_read_all():
    """Mark every notification of the member read."""
    count = notifications.mark_all_read(current_user.id)
    db.session.commit()
    message = (f"Marked {count} notification{'s' if count != 1 else ''} as read." if count
               else "There were no unread notifications.")
    if not wants_fragment():
        flash(message, "success")
        return redirect(url_for("notifications.notifications_list"), 303)
    return _page(trigger=toast(message))

