"""The one registry of permission names, the default roles, and the checks views use.

Flask-Principal is unmaintained (last release 2013), so nothing outside this module
imports it: if it has to go, only ``permission``, ``require`` and ``can`` change.
"""

from functools import wraps

from flask import abort
from flask import g
from flask import has_request_context
from flask_principal import ActionNeed
from flask_principal import Permission
from flask_principal import RoleNeed

PERMISSIONS: dict[str, str] = {
    "dashboard.view": "See the organization's dashboard",
    "companies.view": "See companies",
    "companies.edit": "Create and edit companies",
    "companies.delete": "Delete companies",
    "contacts.view": "See contacts",
    "contacts.edit": "Create and edit contacts",
    "contacts.delete": "Delete contacts",
    "leads.view": "See leads",
    "leads.edit": "Create, edit and qualify leads",
    "leads.delete": "Delete leads",
    "leads.convert": "Convert qualified leads",
    "leads.assign": "Assign leads to members",
    "leads.import": "Import leads from CSV",
    "interactions.view": "See interactions, notes and tasks",
    "interactions.log": "Log interactions, notes and tasks",
    "tags.manage": "Create, rename, recolour and delete tags",
    "opportunities.view": "See opportunities and the pipeline",
    "opportunities.edit": "Create, edit and move opportunities",
    "products.view": "See the product catalogue",
    "products.manage": "Manage the product catalogue",
    "campaigns.view": "See campaigns",
    "campaigns.manage": "Create and manage campaigns",
    "cases.view": "See support cases",
    "cases.manage": "Open, update and close support cases",
    "invoices.view": "See invoices",
    "invoices.manage": "Create invoices and mark them paid",
    "reports.view": "See reports",
    "reports.export": "Export reports to PDF",
    "admin.members": "Change members' roles, deactivate and reactivate members",
    "admin.invitations": "Invite people, resend and revoke invitations",
    "admin.roles": "Create, rename and delete roles, choose their permissions",
    "admin.pipeline": "Manage pipeline stages",
    "admin.settings": "Change the organization's name, currency and timezone",
    "admin.audit": "Read the audit log",
    "admin.jobs": "See background jobs and their errors, retry failed ones",
    "admin.scoring": "Configure lead scoring and assignment rules",
}

ADMINISTRATOR = "Administrator"

_SALES_RECORDS = [
    "companies.view", "companies.edit", "contacts.view", "contacts.edit",
    "interactions.view", "interactions.log",
]

DEFAULT_ROLES: dict[str, list[str]] = {
    ADMINISTRATOR: list(PERMISSIONS),
    "Marketing Manager": [
        "dashboard.view", "campaigns.view", "campaigns.manage", "leads.view", "leads.edit",
        "leads.import", "companies.view", "contacts.view", "opportunities.view", "reports.view",
        "tags.manage",
    ],
    "Sales Development Rep": [
        "dashboard.view", "leads.view", "leads.edit", "leads.convert", "companies.view",
        "contacts.view", "interactions.view", "interactions.log", "opportunities.view",
        "campaigns.view",
    ],
    "Sales Rep": [
        "dashboard.view", *_SALES_RECORDS, "leads.view", "leads.edit",
        "opportunities.view", "opportunities.edit", "products.view",
    ],
    "Sales Manager": [
        "dashboard.view", *_SALES_RECORDS, "companies.delete", "contacts.delete",
        "leads.view", "leads.edit", "leads.delete", "leads.convert", "leads.assign", "leads.import",
        "opportunities.view", "opportunities.edit", "products.view", "products.manage",
        "campaigns.view", "reports.view", "reports.export", "tags.manage",
    ],
    "Support Agent": [
        "dashboard.view", "cases.view", "cases.manage", "companies.view", "contacts.view",
        "interactions.view", "interactions.log",
    ],
    "Account Manager": [
        "dashboard.view", "invoices.view", "invoices.manage", "opportunities.view",
        "companies.view", "contacts.view", "interactions.view", "interactions.log", "products.view",
    ],
}

ADMIN_PERMISSIONS = [name for name in PERMISSIONS if name.startswith("admin.")]


def needs_for(role_name: str, permission_names) -> set:
    """What a membership's role provides to Flask-Principal's identity."""
    return {RoleNeed(role_name), *(ActionNeed(p) for p in permission_names if p in PERMISSIONS)}


def permission(name: str) -> Permission:
    if name not in PERMISSIONS:
        raise KeyError(f"unknown permission {name!r}: add it to crm.permissions.PERMISSIONS")
    return Permission(ActionNeed(name))


def require(name: str):
    """Decorate a view: 403 unless the current member's role grants ``name``."""
    needed = permission(name)

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not needed.can():
                abort(403, description=f"Your role does not allow this ({PERMISSIONS[name].lower()}).")
            return view(*args, **kwargs)

        guarded.required_permission = name
        return guarded

    return decorator


def can(name: str) -> bool:
    """For templates: false outside a request (emails and PDFs rendered by jobs), and on
    error pages raised before Flask-Principal loaded an identity."""
    return has_request_context() and "identity" in g and permission(name).can()
