"""The one way email leaves the app: SMTP when MAIL_SERVER is set, otherwise the log."""

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app
from flask import has_request_context
from flask import request

log = logging.getLogger("crm.mail")


def send_email(to: str, subject: str, text: str, html: str | None = None, headers: dict[str, str] | None = None) -> None:
    """Raises what smtplib raises: the caller (a job) retries, or gives up if ``is_permanent``."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    if not cfg.get("MAIL_SERVER"):
        log.warning("MAIL_SERVER is not set; this email was not sent:\nTo: %s\nSubject: %s\n\n%s", to, subject, text)
        current_app.extensions.setdefault("crm_outbox", []).append(message)
        return
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def is_permanent(error: Exception) -> bool:
    """A 5xx reply (an unknown mailbox, a refused message) will be the same on the next try;
    a 4xx reply or a lost connection may not be."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def message_domain() -> str:
    """The sender's domain, for Message-IDs that a receiving server can use to drop a duplicate."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"


def link_base() -> str | None:
    """Where links in emails point: BASE_URL when set, else the address the request came in
    on. None in a job or command (the job then falls back, see ``external_url``)."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured
    return request.host_url if has_request_context() else None


def _root(base: str | None) -> str:
    """The app's address with no trailing slash, for a job as much as for a request."""
    app = current_app
    base = base or link_base()
    if not base and app.config.get("SERVER_NAME"):
        base = f"{app.config['PREFERRED_URL_SCHEME']}://{app.config['SERVER_NAME']}{app.config['APPLICATION_ROOT']}"
    if not base:
        base = "http://127.0.0.1:5000/"
        log.warning("BASE_URL is not set; links in emails point to %s", base)
    return base.rstrip("/")


def external_url(base: str | None, endpoint: str, **values) -> str:
    """An absolute URL for an email, built without a request (jobs have none)."""
    parts = urlsplit(_root(base))
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def absolute(base: str | None, path: str) -> str:
    """A path of this app (a notification's link, a record page) as an absolute URL."""
    return _root(base) + path
