"""Settings, read from the environment once at start-up."""

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The app was started with settings it cannot run safely with."""


def from_environment(instance_path: str, debug: bool, secret_key: str | None = None) -> dict:
    """Build the config dict; outside debug a missing SECRET_KEY stops the app."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    secret = secret_key or os.environ.get("SECRET_KEY") or (_dev_secret(instance_path) if debug else None)
    if not secret:
        raise ConfigError(
            "SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))'), or run with FLASK_DEBUG=1 locally."
        )
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'crm.sqlite3'}"
    secure_cookies = _bool("SECURE_COOKIES", default=not debug)
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _psycopg3(database_url),
        "MIGRATION_DATABASE_URL": _psycopg3(os.environ.get("MIGRATION_DATABASE_URL") or database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Jobs have no request: links in their emails start with this (e.g. https://crm.example.com).
        "BASE_URL": (os.environ.get("BASE_URL") or "").rstrip("/") or None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", default=True),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "CRM <no-reply@localhost>"),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")),
        "LOGIN_MAX_FAILURES_PER_IP": int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "30")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("LOGIN_LOCK_MINUTES", "15")),
        "INVITATION_DAYS": 7,
        "DEFAULT_PHONE_REGION": os.environ.get("DEFAULT_PHONE_REGION", "US"),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "PREFERRED_URL_SCHEME": "http" if debug else "https",
    }


def _psycopg3(url: str) -> str:
    """Accept the usual ``postgres://`` and ``postgresql://`` forms; we ship psycopg 3 only."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secret(instance_path: str) -> str:
    """A stable local secret so that sessions survive restarts of ``make run``."""
    path = Path(instance_path) / "dev_secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
