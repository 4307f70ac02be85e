"""Roles: named sets of permissions. The Administrator role is fixed."""

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Invitation
from crm.models import Membership
from crm.models import Role
from crm.permissions import PERMISSIONS
from crm.services import ServiceError
from crm.services.records import check_printable
from crm.services import audit


def list_roles_with_counts() -> list[tuple[Role, int]]:
    counts = (
        sa.select(Membership.role_id, sa.func.count().label("n")).group_by(Membership.role_id).subquery()
    )
    rows = db.session.execute(
        sa.select(Role, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.role_id == Role.id)
        .order_by(Role.is_administrator.desc(), Role.name)
    ).all()
    return [(role, n) for role, n in rows]


def _check_name(name: str, role: Role | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Give the role a name.", "name")
    if len(name) > 60:
        raise ServiceError("Keep the role's name to 60 characters or fewer.", "name")
    check_printable(name, "name", "role's name")
    clash = db.session.scalar(sa.select(Role).where(sa.func.lower(Role.name) == name.lower()))
    if clash is not None and clash is not role:
        raise ServiceError(f"A role named “{clash.name}” already exists; choose another name.", "name")
    return name


def _check_permissions(names) -> list[str]:
    unknown = [n for n in names if n not in PERMISSIONS]
    if unknown:
        raise ServiceError(f"Unknown permission: {', '.join(unknown)}. Tick permissions from the list only.", "permissions")
    return [n for n in PERMISSIONS if n in set(names)]


def create_role(name: str, permissions) -> Role:
    role = Role(name=_check_name(name), permissions=_check_permissions(permissions))
    db.session.add(role)
    db.session.flush()
    audit.record("role.create", role, f"Created role {role.name}", None, {"name": role.name, "permissions": role.permissions})
    return role


def update_role(role: Role, name: str, permissions) -> None:
    before = {"name": role.name, "permissions": list(role.permissions)}
    if role.is_administrator:
        if name.strip() != role.name or set(permissions) != set(PERMISSIONS):
            raise ServiceError("The Administrator role always holds every permission and keeps its name. "
                               "Create another role for a narrower set.")
        return
    new_name, new_permissions = _check_name(name, role), _check_permissions(permissions)
    if new_name == before["name"] and set(new_permissions) == set(before["permissions"]):
        return  # nothing changed (the order permissions are stored in is not a change)
    role.name, role.permissions = new_name, new_permissions
    audit.record("role.update", role, f"Changed role {role.name}", before, {"name": role.name, "permissions": role.permissions})


def delete_role(role: Role) -> None:
    if role.is_administrator:
        raise ServiceError("The Administrator role cannot be deleted.")
    members = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(Membership.role_id == role.id))
    if members:
        raise ServiceError(f"{members} member{'s' if members != 1 else ''} still ha{'ve' if members != 1 else 's'} "
                           f"the role {role.name}. Give them another role first.")
    # Open means still usable: an expired link cannot be accepted (and the list offers no
    # Revoke for it), so it does not hold the role; it goes with the role below.
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(
        Invitation.role_id == role.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > clock.now()))
    if pending:
        raise ServiceError(f"{pending} open invitation{'s' if pending != 1 else ''} offer{'' if pending != 1 else 's'} "
                           f"the role {role.name}. Revoke {'them' if pending != 1 else 'it'} first.")
    audit.record("role.delete", role, f"Deleted role {role.name}", {"name": role.name, "permissions": role.permissions}, None)
    db.session.execute(sa.delete(Invitation).where(Invitation.role_id == role.id))
    db.session.delete(role)
