"""Rules shared by every kind of customer record: owners, normalised emails and phones,
soft deletion with a short Undo window, and the timeline."""

import re
from datetime import timedelta

import phonenumbers
import sqlalchemy as sa
from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from flask_login import current_user

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Membership
from crm.models import User
from crm.services import ServiceError

UNDO_SECONDS = 30
# Control characters nobody types; NUL cannot even be stored in a PostgreSQL text column.
# Tab, line feed and carriage return are kept for multi-line fields.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def actor_id() -> int | None:
    return current_user.id if current_user and current_user.is_authenticated else None


def record_event(kind: str, summary: str, *, company_id=None, contact_id=None, lead_id=None,
                 opportunity_id=None, data: dict | None = None) -> ActivityEvent:
    """One line on the timeline of the records it names; added to the caller's transaction."""
    event = ActivityEvent(kind=kind, summary=summary[:300], actor_id=actor_id(), data=data,
                          company_id=company_id, contact_id=contact_id, lead_id=lead_id,
                          opportunity_id=opportunity_id)
    db.session.add(event)
    return event


def active_members() -> list[User]:
    """Members who can own records, for owner pickers (one query)."""
    return db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.active.is_(True)).order_by(User.name)
    ).all()


def check_owner(value, field: str = "owner_id") -> int | None:
    """An owner id from a form: empty means nobody; otherwise an active member of this org."""
    if value in (None, "", "none"):
        return None
    if not str(value).isdigit() or len(str(value)) > 18:  # longer is no id (and overflows SQLite)
        raise ServiceError("Pick an owner from the list.", field)
    user_id = int(value)
    member = db.session.scalar(sa.select(Membership.id).where(Membership.user_id == user_id, Membership.active.is_(True)))
    if member is None:
        raise ServiceError("Pick an owner from the list: that person is not an active member here.", field)
    return user_id


def normalize_email(value: str | None, field: str = "email", required: bool = False) -> str | None:
    """Trimmed, lower-cased and syntactically valid, or None when empty and optional."""
    value = (value or "").strip().lower()
    if not value:
        if required:
            raise ServiceError("Enter an email address.", field)
        return None
    if len(value) > 254:
        raise ServiceError("That email address is too long (254 characters at most).", field)
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ServiceError(f"“{value[:60]}” is not a valid email address: {error}", field) from None


def normalize_phone(value: str | None, field: str = "phone") -> str | None:
    """E.164 (+14155550100), reading numbers without a country code in the default region."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 40:
        raise ServiceError("That phone number is too long.", field)
    region = current_app.config.get("DEFAULT_PHONE_REGION", "US")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ServiceError(f"“{value}” is not a valid phone number. Include the country code, for example +44 20 7946 0958.", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def has_control_character(value: str) -> bool:
    return _CONTROL.search(value) is not None


def check_printable(value: str, field: str, label: str) -> str:
    """The text itself, or a clear refusal when it holds a control character (a NUL byte, say)."""
    if _CONTROL.search(value):
        raise ServiceError(f"There is a control character in the {label}, which cannot be saved; "
                           "remove it and try again.", field)
    return value


def clean_text(value, field: str, label: str, max_length: int, required: bool = False) -> str | None:
    """Spaces trimmed; a clear message when missing, too long or holding control characters."""
    value = check_printable((value or "").strip(), field, label)
    if not value:
        if required:
            raise ServiceError(f"Enter the {label}.", field)
        return None
    if len(value) > max_length:
        raise ServiceError(f"Keep the {label} to {max_length} characters or fewer (it has {len(value)}).", field)
    return value


def clean_choice(value, choices, field: str, label: str, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ServiceError(f"Choose the {label}.", field)
        return None
    if value not in choices:
        raise ServiceError(f"Choose the {label} from the list ({', '.join(choices)}).", field)
    return value


def soft_delete(record) -> None:
    record.deleted_at = clock.now()


def restore(record) -> None:
    """Undo a delete, within the window the toast offers it."""
    if record.deleted_at is None:
        return
    if clock.now() - clock.aware(record.deleted_at) > timedelta(seconds=UNDO_SECONDS * 10):
        raise ServiceError("This was deleted too long ago to undo here.")
    record.deleted_at = None
