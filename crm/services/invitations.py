"""Invitations: an admin offers a role by email; the link is signed, single use, 7 days."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from flask import render_template
from flask_login import current_user
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from crm import clock
from crm.extensions import db
from crm.mail import external_url
from crm.mail import link_base
from crm.mail import message_domain
from crm.mail import send_email
from crm.models import Invitation
from crm.models import Membership
from crm.models import Organization
from crm.models import Role
from crm.models import User
from crm.services import ServiceError
from crm.services import audit
from crm.services.accounts import normalize_email
from crm.services.passwords import check_policy
from crm.services.passwords import hash_password
from crm.services.passwords import verify_password
from tenants.context import unscoped

INVALID = "This invitation link is not valid. Check that you copied the whole link, or ask for a new invitation."


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="crm.invitation")


def token_for(invitation: Invitation) -> str:
    return _serializer().dumps([invitation.org_id, invitation.id, invitation.nonce])


def read_token(token: str) -> tuple[int, int, str]:
    """The (org id, invitation id, nonce) a link names; the row itself is checked later."""
    try:
        org_id, invitation_id, nonce = _serializer().loads(token)
        return int(org_id), int(invitation_id), str(nonce)
    except (BadSignature, ValueError, TypeError):
        raise ServiceError(INVALID) from None


def check_email(email: str) -> str:
    email = normalize_email(email)
    if len(email) > 254:
        raise ServiceError("That email address is too long (254 characters at most).", "email")
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ServiceError(f"That email address is not valid: {error}", "email") from None


def _queue_email(invitation: Invitation) -> None:
    """The email goes out from a job (retried if the mail server fails) once the caller commits."""
    from crm.jobs import enqueue
    from crm.jobs.email import send_invitation_email

    enqueue(send_invitation_email, invitation.org_id, invitation.id, link_base(),
            kind="invitation_email", user_id=current_user.id)


def send(invitation_id: int, base_url: str | None = None) -> bool:
    """The job's work: email the invitation's current link, if it can still be accepted."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.status != "pending":
        return False
    org = db.session.get(Organization, invitation.org_id)
    link = external_url(base_url, "auth.invitation_accept", token=token_for(invitation))
    inviter = invitation.invited_by.name if invitation.invited_by else "An administrator"
    context = dict(org=org, invitation=invitation, link=link, inviter=inviter)
    send_email(
        invitation.email,
        f"{inviter} invited you to {org.name} on the CRM",
        render_template("email/invitation.txt", **context),
        render_template("email/invitation.html", **context),
        headers={"Message-ID": f"<invitation.{org.id}.{invitation.id}.{invitation.nonce[:12]}@{message_domain()}>"},
    )
    return True


def _days() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_DAYS"])


def invite(org: Organization, email: str, role: Role) -> Invitation:
    """Create an invitation and queue its email. Commits: the email job starts only then."""
    email = check_email(email)
    with unscoped():
        already = db.session.scalar(
            sa.select(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.org_id == org.id, User.email == email))
    if already is not None:
        raise ServiceError(f"{email} is already a member of {org.name}.", "email")
    pending = db.session.scalar(sa.select(Invitation).where(
        Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > clock.now()))
    if pending is not None:
        raise ServiceError(f"{email} already has an open invitation; resend it from the list instead.", "email")
    now = clock.now()
    invitation = Invitation(email=email, role_id=role.id, role=role, invited_by_id=current_user.id,
                            nonce=secrets.token_hex(16), created_at=now, sent_at=now, expires_at=now + _days())
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.send", invitation, f"Invited {email} as {role.name}", None, {"email": email, "role": role.name})
    _queue_email(invitation)
    db.session.commit()
    return invitation


def resend(org: Organization, invitation: Invitation) -> None:
    """A new link (the old one stops working) valid for another full period."""
    if invitation.status in ("accepted", "revoked"):
        raise ServiceError(f"This invitation was {invitation.status}; send a new one instead.")
    before = {"status": invitation.status, "expires_at": clock.aware(invitation.expires_at).isoformat()}
    now = clock.now()
    invitation.nonce, invitation.sent_at, invitation.expires_at = secrets.token_hex(16), now, now + _days()
    audit.record("invitation.resend", invitation, f"Resent the invitation to {invitation.email}",
                 before, {"status": "pending", "expires_at": invitation.expires_at.isoformat()})
    _queue_email(invitation)
    db.session.commit()


def revoke(invitation: Invitation) -> None:
    if invitation.status == "accepted":
        raise ServiceError("This invitation was already accepted; deactivate the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = clock.now()
        audit.record("invitation.revoke", invitation, f"Revoked the invitation to {invitation.email}",
                     {"status": "pending"}, {"status": "revoked"})


def open_invitation(token: str) -> Invitation:
    """The invitation a link names, if it can still be accepted. Call inside its org's context."""
    _, invitation_id, nonce = read_token(token)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not secrets.compare_digest(invitation.nonce, nonce):
        raise ServiceError("This invitation link is no longer valid: a newer one was sent, or it was withdrawn. "
                           "Use the latest email, or ask for a new invitation.")
    status = invitation.status
    if status == "accepted":
        raise ServiceError("This invitation was already used. Sign in with the account that accepted it.")
    if status == "revoked":
        raise ServiceError("This invitation was withdrawn by an administrator. Ask them for a new one if you still need access.")
    if status == "expired":
        raise ServiceError("This invitation has expired (links work for 7 days). Ask an administrator to resend it.")
    return invitation


def accept(invitation: Invitation, name: str, password: str) -> User:
    """Join the organization: create the account, or prove the existing one with its password."""
    user = db.session.scalar(sa.select(User).where(User.email == invitation.email))
    if user is None:
        name = " ".join((name or "").split())
        if not name:
            raise ServiceError("Tell us your name.", "name")
        if len(name) > 120:
            raise ServiceError("Keep your name to 120 characters or fewer.", "name")
        check_policy(password, invitation.email)
        user = User(email=invitation.email, name=name, password_hash=hash_password(password))
        db.session.add(user)
        db.session.flush()
    elif not verify_password(user.password_hash, password):
        raise ServiceError(f"You already have an account as {invitation.email}: enter its password to join.", "password")
    elif db.session.scalar(sa.select(Membership.id).where(Membership.user_id == user.id)):
        raise ServiceError("You are already a member of this organization. Sign in to reach it.")
    # Row locks make two simultaneous accepts of one link produce a single membership.
    claimed = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=clock.now()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ServiceError("This invitation was already used. Sign in with the account that accepted it.")
    db.session.add(Membership(user_id=user.id, role_id=invitation.role_id, active=True))
    audit.record("invitation.accept", invitation, f"{invitation.email} joined as {invitation.role.name}",
                 {"status": "pending"}, {"status": "accepted"})
    return user
