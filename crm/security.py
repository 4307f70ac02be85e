"""Who is signed in (Flask-Login) and what their role lets them do here (Flask-Principal)."""

from urllib.parse import urlsplit

from flask import Flask
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_principal import AnonymousIdentity
from flask_principal import Identity
from flask_principal import identity_loaded
from flask_login import current_user

from crm.extensions import login_manager
from crm.extensions import principal
from crm.permissions import can
from crm.permissions import PERMISSIONS
from crm.permissions import needs_for
from crm.services.accounts import user_for_token
from tenants.web import current_membership


@login_manager.user_loader
def _load_user(token: str):
    return user_for_token(token)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.headers.get("HX-Request"):
        # Come back to the page the person was on, not to the fragment or action URL.
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = (page.path + (f"?{page.query}" if page.query else "")) if page.path else None
        response = redirect(url_for("auth.login"))
        response.status_code = 401
        response.headers["HX-Redirect"] = url_for("auth.login", next=back)
        return response
    flash("Sign in to continue.", "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


@principal.identity_loader
def _identity_from_login():
    return Identity(current_user.id, "login") if current_user.is_authenticated else AnonymousIdentity()


def _needs_from_membership(sender, identity) -> None:
    membership = current_membership()
    if membership is not None and membership.active and current_user.is_authenticated:
        role = membership.role
        # The Administrator role holds every permission, including ones added after the
        # organization was created (its stored list is only what existed then).
        permissions = PERMISSIONS if role.is_administrator else role.permissions
        identity.provides.update(needs_for(role.name, permissions))


def init_security(app: Flask) -> None:
    login_manager.session_protection = None  # our server-side token already binds the session
    identity_loaded.connect_via(app)(_needs_from_membership)
    app.jinja_env.globals["can"] = can
