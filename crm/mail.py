"""The one way email leaves the app: SMTP when MAIL_SERVER is set, otherwise the log."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("crm.mail")


def send_email(to: str, subject: str, text: str, html: str | None = None) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
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
