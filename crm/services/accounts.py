"""Signing in and out: throttling wrong passwords, and the server-side session token."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from crm import clock
from crm.extensions import db
from crm.models import AuthSession
from crm.models import LoginFailure
from crm.models import User
from crm.services import ServiceError
from crm.services import Throttled
from crm.services.passwords import verify_password


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def _keys(email: str, ip: str) -> tuple[str, str]:
    return f"account:{normalize_email(email)}", f"ip:{ip or 'unknown'}"


def _failures_since(key: str, since) -> list:
    return db.session.scalars(
        sa.select(LoginFailure.failed_at).where(LoginFailure.key == key, LoginFailure.failed_at > since)
    ).all()


def _check_throttle(email: str, ip: str) -> None:
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    now = clock.now()
    account_key, ip_key = _keys(email, ip)
    for key, limit, what in (
        (account_key, cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], "this account"),
        (ip_key, cfg["LOGIN_MAX_FAILURES_PER_IP"], "your network address"),
    ):
        recent = _failures_since(key, now - window)
        if len(recent) >= limit:
            unlock = max(clock.aware(t) for t in recent) + window
            minutes = max(1, int((unlock - now).total_seconds() // 60) + 1)
            raise Throttled(
                f"Too many wrong passwords for {what}. Sign-in is locked for {minutes} more "
                f"minute{'s' if minutes != 1 else ''}; try again then, or ask an administrator to invite you again."
            )


def authenticate(email: str, password: str, ip: str) -> User:
    """The user whose password this is, or an error; wrong guesses count towards a lock."""
    _check_throttle(email, ip)
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password):
        now = clock.now()
        db.session.add_all([LoginFailure(key=k, failed_at=now) for k in _keys(email, ip)])
        db.session.commit()
        raise ServiceError("That email and password do not match an account. Check both and try again.", "password")
    account_key, _ = _keys(email, ip)
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.key == account_key))
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new random session token for this browser; the old one, if any, is not reused."""
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(token_hash=_hash_token(token), user_id=user.id))
    user.last_login_at = clock.now()
    user.session_token = token
    return token


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    row = db.session.execute(
        sa.select(User, AuthSession)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == _hash_token(token))
    ).first()
    if row is None:
        return None
    user, auth = row
    now = clock.now()
    if now - clock.aware(auth.last_seen_at) > timedelta(minutes=5):
        auth.last_seen_at = now
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(sa.delete(AuthSession).where(AuthSession.token_hash == _hash_token(token)))


def end_all_sessions(user_id: int) -> None:
    db.session.execute(sa.delete(AuthSession).where(AuthSession.user_id == user_id))
