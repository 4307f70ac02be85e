"""Test helpers: a CSRF-aware client, factories that build organizations and members."""

import functools
import hashlib
import os
import re

from contextlib import contextmanager

import sqlalchemy as sa
from flask import has_app_context
from flask.globals import _cv_app
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from crm.extensions import db
from crm.models import Membership
from crm.models import Organization
from crm.models import Role
from crm.models import User
from crm.services.organizations import create_organization
from crm.services.passwords import hash_password
from tenants.context import org_context

PASSWORD = "correct horse battery"


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    """argon2id costs ~50 ms a hash; tests create many users with the same password."""
    return hash_password(password)


class CSRFClient(FlaskClient):
    """Sends a valid CSRF token with every unsafe request unless told ``csrf=False``."""

    def open(self, *args, csrf: bool | str = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if method not in ("GET", "HEAD", "OPTIONS") and csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", csrf if isinstance(csrf, str) else self.csrf_token())
            # Over https Flask-WTF also wants a same-origin Referer, as browsers send.
            headers.setdefault("Referer", "https://localhost/")
            kwargs["headers"] = headers
        # Buffered: a streamed body (CSV export) is produced here, inside the request's own
        # app context, not later when the test reads it.
        kwargs.setdefault("buffered", True)
        with fresh_app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own session must see what the request wrote
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def login(self, email: str, password: str = PASSWORD, **extra):
        return self.post("/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self.post("/logout")


@contextmanager
def fresh_app_context():
    """Run a request in its own app context, as in production.

    Flask reuses an app context the test has pushed, so without this the request would share
    the test's ``g`` and database session (and its identity map), hiding isolation bugs.
    """
    token = _cv_app.set(None)
    try:
        yield
    finally:
        _cv_app.reset(token)


def make_user(email: str, name: str | None = None, password: str = PASSWORD) -> User:
    user = User(email=email.lower(), name=name or email.split("@")[0].replace(".", " ").title(),
                password_hash=password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


def make_org(slug: str, admin_email: str | None = None, name: str | None = None) -> tuple[Organization, User]:
    """An organization with its defaults and an Administrator; committed."""
    admin = make_user(admin_email or f"admin@{slug}.example")
    org = create_organization(name or f"Org {slug.upper()}", slug, admin)
    db.session.commit()
    return org, admin


def add_member(org: Organization, email: str, role_name: str, active: bool = True, user: User | None = None) -> Membership:
    user = user or make_user(email)
    with org_context(org.id):
        role = db.session.scalar(sa.select(Role).where(Role.name == role_name))
        membership = Membership(user_id=user.id, role_id=role.id, active=active)
        db.session.add(membership)
        db.session.commit()
    return membership


def text_of(response) -> str:
    """The visible text of a response, with tags removed and spaces folded."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@contextmanager
def tenant(org_or_id):
    """Read and write the database as one organization sees it; nothing loaded survives the block."""
    org_id = org_or_id if isinstance(org_or_id, int) else org_or_id.id
    db.session.rollback()
    with org_context(org_id):
        yield db.session
    db.session.rollback()


@contextmanager
def counted():
    """The SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def form_fields(form, typed_value) -> tuple[dict, list[str]]:
    """The form's fields as a browser would send them, with ``typed_value(control, index)`` in
    each field a person types into; and the names of those typed fields."""
    fields, typed = {}, []
    for i, control in enumerate(form.find_all(["input", "textarea", "select"])):
        name = control.get("name")
        if not name or control.has_attr("disabled"):
            continue
        kind = (control.get("type") or "text").lower()
        if control.name == "select":
            option = control.find("option", selected=True) or control.find("option")
            fields[name] = option.get("value", option.get_text()) if option else ""
        elif kind in ("checkbox", "radio"):
            if control.has_attr("checked"):
                fields[name] = control.get("value", "on")
        elif kind in ("hidden", "submit", "button"):
            fields.setdefault(name, control.get("value", ""))
        elif kind not in ("file", "image", "reset"):
            fields[name] = typed_value(control, i)
            typed.append(name)
    return fields, typed

