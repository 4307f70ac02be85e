"""Creating an organization with its defaults, and changing its settings."""

import re
import zoneinfo

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Membership
from crm.models import Organization
from crm.models import PipelineStage
from crm.models import Role
from crm.models import User
from crm.permissions import ADMINISTRATOR
from crm.permissions import DEFAULT_ROLES
from crm.services import ServiceError
from crm.services import audit
from tenants.context import org_context

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
# Top-level paths of the app, and names kept for later or easily mistaken for it.
RESERVED_SLUGS = {
    "admin", "api", "app", "account", "accounts", "auth", "login", "logout", "signup", "register",
    "static", "assets", "orgs", "organizations", "invitations", "invite", "help", "docs", "health",
    "status", "settings", "www", "mail", "support", "billing", "about", "terms", "privacy", "new",
}

DEFAULT_STAGES = [
    # name, probability %, expected days in stage, kind
    ("Prospecting", 10, 14, "open"),
    ("Qualification", 25, 14, "open"),
    ("Proposal", 50, 21, "open"),
    ("Negotiation", 75, 14, "open"),
    ("Closed Won", 100, 0, "won"),
    ("Closed Lost", 0, 0, "lost"),
]

CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "NOK", "DKK", "INR", "BRL", "MXN", "ZAR", "SGD", "NZD"]


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")
    return slug[:40].strip("-")


def check_slug(slug: str, reserved_extra: set[str] = frozenset()) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise ServiceError(
            "Use 3 to 40 lowercase letters, digits and hyphens for the web address, "
            "starting and ending with a letter or digit.", "slug")
    if slug in RESERVED_SLUGS or slug in reserved_extra:
        raise ServiceError(f"The web address “{slug}” is reserved; choose another.", "slug")
    if db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug)):
        raise ServiceError(f"The web address “{slug}” is already taken; choose another.", "slug")
    return slug


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the organization a name.", "name")
    if len(name) > 120:
        raise ServiceError("Keep the organization's name to 120 characters or fewer.", "name")
    return name


def check_timezone(tz: str) -> str:
    if tz not in zoneinfo.available_timezones():
        raise ServiceError(f"“{tz}” is not a timezone we know; pick one from the list (for example Europe/Paris).", "timezone")
    return tz


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in CURRENCIES:
        raise ServiceError(f"Pick a currency from the list ({', '.join(CURRENCIES)}).", "currency")
    return code


def create_organization(name: str, slug: str, first_admin: User, currency: str = "USD",
                        timezone: str = "UTC", reserved_extra: set[str] = frozenset()) -> Organization:
    """A new organization with the default roles and stages and ``first_admin`` as Administrator.

    Adds to the caller's transaction; nothing is committed here.
    """
    org = Organization(name=check_name(name), slug=check_slug(slug, reserved_extra),
                       currency=check_currency(currency), timezone=check_timezone(timezone))
    db.session.add(org)
    db.session.flush()
    with org_context(org.id, first_admin.id):
        roles = {name: Role(name=name, permissions=list(perms), is_administrator=name == ADMINISTRATOR)
                 for name, perms in DEFAULT_ROLES.items()}
        db.session.add_all(roles.values())
        db.session.add_all(
            PipelineStage(name=n, probability=p, expected_days=d, kind=k, position=i)
            for i, (n, p, d, k) in enumerate(DEFAULT_STAGES)
        )
        db.session.flush()
        db.session.add(Membership(user_id=first_admin.id, role_id=roles[ADMINISTRATOR].id, active=True))
        db.session.flush()
    return org


def settings_snapshot(org: Organization) -> dict:
    return {"name": org.name, "currency": org.currency, "timezone": org.timezone}


def update_settings(org: Organization, name: str, currency: str, timezone: str) -> None:
    before = settings_snapshot(org)
    org.name, org.currency, org.timezone = check_name(name), check_currency(currency), check_timezone(timezone)
    after = settings_snapshot(org)
    if before != after:
        audit.record("settings.update", org, "Changed organization settings", before, after)
