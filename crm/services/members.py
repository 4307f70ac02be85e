"""Members of an organization: change role, deactivate, reactivate, remove.

The rule that matters most: an organization always keeps at least one active
Administrator, or nobody could ever administer it again.
"""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Membership
from crm.models import Role
from crm.services import ServiceError
from crm.services import audit
from tenants.context import require_org_id


def list_members() -> list[Membership]:
    return db.session.scalars(
        sa.select(Membership).join(Membership.user).order_by(Membership.active.desc(), sa.func.lower(sa.literal_column("users.name")))
    ).unique().all()


def get_role(role_id) -> Role:
    """One of this organization's roles, from a form value; refused (422) otherwise."""
    value = str(role_id).strip()
    role = db.session.get(Role, int(value)) if value.isascii() and value.isdecimal() and len(value) <= 18 else None
    # The explicit org check also covers a role of another organization already in the identity map.
    if role is None or role.org_id != require_org_id():
        raise ServiceError("Pick a role from the list.", "role_id")
    return role


def _active_admin_count() -> int:
    """Active Administrators, with their membership rows locked until the transaction ends.

    The lock (PostgreSQL; SQLite serializes writers anyway) stops two admins from demoting,
    deactivating or removing each other at the same moment and leaving nobody: the second
    waits, then sees the first one's change. (FOR UPDATE cannot be combined with count().)
    """
    return len(db.session.scalars(
        sa.select(Membership.id).join(Role, Role.id == Membership.role_id)
        .where(Membership.active.is_(True), Role.is_administrator.is_(True))
        .with_for_update(of=Membership)
    ).all())


def _refuse_if_last_admin(member: Membership, doing: str) -> None:
    if member.active and member.role.is_administrator and _active_admin_count() <= 1:
        raise ServiceError(
            f"{member.user.name} is the last active Administrator, so you cannot {doing}. "
            "Make another member an Administrator first.")


def _snapshot(member: Membership) -> dict:
    return {"role": member.role.name, "active": member.active}


def change_role(member: Membership, role: Role) -> None:
    if role.id == member.role_id:
        return
    if not role.is_administrator:
        _refuse_if_last_admin(member, "give them another role")
    before = _snapshot(member)
    member.role_id, member.role = role.id, role
    audit.record("member.role", member, f"Changed {member.user.email}'s role to {role.name}", before, _snapshot(member))


def deactivate(member: Membership) -> None:
    if not member.active:
        return
    _refuse_if_last_admin(member, "deactivate them")
    before = _snapshot(member)
    member.active = False
    audit.record("member.deactivate", member, f"Deactivated {member.user.email}", before, _snapshot(member))


def reactivate(member: Membership) -> None:
    if member.active:
        return
    before = _snapshot(member)
    member.active = True
    audit.record("member.reactivate", member, f"Reactivated {member.user.email}", before, _snapshot(member))


def remove(member: Membership) -> None:
    _refuse_if_last_admin(member, "remove them")
    audit.record("member.remove", member, f"Removed {member.user.email} from the organization", _snapshot(member), None)
    db.session.delete(member)
