"""App-wide request handling: error pages, template context, response headers."""

import sqlalchemy as sa
from flask import Flask
from flask import g
from flask import render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from crm.extensions import db
from crm.htmx import is_htmx
from tenants.context import unscoped
from tenants.models import Membership
from tenants.models import Organization

MESSAGES = {
    400: "The request could not be understood.",
    403: "Your role does not allow this.",
    404: "There is nothing here. The address may be mistyped, or the record was removed.",
    405: "This address does not accept that kind of request.",
    413: "The upload is larger than the limit.",
    429: "Too many attempts. Wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing you entered was saved; please try again.",
}


def my_organizations() -> list[Organization]:
    """The organizations the signed-in user is an active member of, for the switcher."""
    if not current_user.is_authenticated:
        return []
    if "my_orgs" not in g:
        with unscoped():
            g.my_orgs = db.session.scalars(
                sa.select(Organization).join(Membership, Membership.org_id == Organization.id)
                .where(Membership.user_id == current_user.id, Membership.active.is_(True))
                .order_by(Organization.name)
            ).all()
    return g.my_orgs


def _error_page(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        # A failed statement leaves PostgreSQL's transaction aborted: the page's own queries
        # (the bell, the organization switcher) would fail too and Flask's bare 500 would show.
        db.session.rollback()
    message = error.description if error.description and not error.description.startswith(("The requested URL", "The server", "You don't", "The method", "The browser")) else MESSAGES.get(code, "")
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code, message=message or MESSAGES.get(code, "")), code


def _csrf_error(error: CSRFError):
    if "referrer" in error.description:
        message = "This form was sent from another site, so it was refused. Open the page on this site and try again."
    else:
        message = ("This form has expired or was sent from another page (the security token was "
                   f"{'missing' if 'missing' in error.description else 'not valid'}). Reload the page and try again.")
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=400, message=message), 400


def _headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    return response


ADMIN_SECTIONS = [
    ("admin.members_list", "Members", "admin.members"),
    ("admin.invitations_list", "Invitations", "admin.invitations"),
    ("admin.roles_list", "Roles", "admin.roles"),
    ("admin.stages_list", "Pipeline stages", "admin.pipeline"),
    ("admin.settings", "Settings", "admin.settings"),
    ("admin.audit_log", "Audit log", "admin.audit"),
    ("admin.jobs_list", "Background jobs", "admin.jobs"),
    ("admin.scoring_rules", "Lead scoring", "admin.scoring"),
    ("admin.assignment_rules", "Assignment rules", "admin.scoring"),
]


def admin_sections() -> list[tuple[str, str]]:
    """The admin console sections the current member may open: (endpoint, label)."""
    from crm.permissions import can

    return [(endpoint, label) for endpoint, label, permission in ADMIN_SECTIONS if can(permission)]


def _no_favicon():
    """Browsers ask for /favicon.ico on every page; without this it would hit /<org_slug>/."""
    return "", 204


def init_web(app: Flask) -> None:
    app.add_url_rule("/favicon.ico", "favicon", _no_favicon)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    app.after_request(_headers)
    app.jinja_env.globals["my_organizations"] = my_organizations
    app.jinja_env.globals["admin_sections"] = admin_sections
    from tenants.web import current_membership
    from tenants.web import current_org

    app.jinja_env.globals["current_org"] = current_org
    app.jinja_env.globals["current_membership"] = current_membership
