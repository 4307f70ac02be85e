"""The audit log: every admin action leaves one row saying who, what, when, before and after."""

from flask_login import current_user

from crm.extensions import db
from crm.models import AuditEntry


def record(action: str, target, summary: str, before: dict | None = None, after: dict | None = None,
           target_type: str | None = None) -> AuditEntry:
    """Add the row to the caller's transaction, so it is written exactly when the change is."""
    actor_id = current_user.id if current_user and current_user.is_authenticated else None
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type or type(target).__name__,
        target_id=getattr(target, "id", None),
        summary=summary[:300],
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
