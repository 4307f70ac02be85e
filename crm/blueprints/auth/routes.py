from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from crm.blueprints.auth import bp
from crm.blueprints.auth.forms import AcceptInvitationForm
from crm.blueprints.auth.forms import LoginForm
from crm.blueprints.auth.forms import SignupForm
from crm.extensions import db
from crm.forms import show_error
from crm.models import Organization
from crm.models import User
from crm.services import ServiceError
from crm.services import invitations
from crm.services.accounts import authenticate
from crm.services.accounts import end_session
from crm.services.accounts import find_user
from crm.services.accounts import start_session
from crm.services.organizations import create_organization
from crm.services.organizations import slugify
from crm.services.passwords import check_policy
from crm.services.passwords import hash_password
from crm.web import my_organizations
from tenants.context import enter_org
from tenants.context import get_org_id
from tenants.context import org_context


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: an open redirect would let a link send users anywhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _home_for_user():
    orgs = my_organizations()
    if len(orgs) == 1:
        return url_for("dashboard.home", org_slug=orgs[0].slug)
    return url_for("auth.organizations")


def _sign_in(user: User, remember: bool) -> None:
    """A fresh session for this browser: nothing from before sign-in is carried over."""
    if current_user.is_authenticated:
        end_session(current_user.session_token)
    session.clear()
    start_session(user)
    db.session.commit()
    login_user(user, remember=remember)
    # The rest of this request acts for the new user: on PostgreSQL their memberships
    # (where to send them next) are visible only with the user set.
    enter_org(get_org_id(), user.id)


def _form_status(form) -> int:
    return 422 if request.method == "POST" and (form.errors or form.form_errors) else 200


@bp.get("/")
def index():
    """Send people to their organization, or to sign in."""
    if current_user.is_authenticated:
        return redirect(_home_for_user())
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account and a new organization with it as the first Administrator."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            email = invitations.check_email(form.email.data)
            if find_user(email):
                raise ServiceError("An account with this email already exists. Sign in instead, or use another email.", "email")
            check_policy(form.password.data, email)
            user = User(email=email, name=" ".join(form.name.data.split()), password_hash=hash_password(form.password.data))
            db.session.add(user)
            db.session.flush()
            org = create_organization(form.org_name.data, form.slug.data or slugify(form.org_name.data), user,
                                      currency=form.currency.data, reserved_extra=_top_level_paths())
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            _sign_in(user, remember=False)
            flash(f"Welcome to {org.name}. Invite your team from Admin → Members.", "success")
            return redirect(url_for("dashboard.home", org_slug=org.slug))
    return render_template("auth/signup.html", form=form), _form_status(form)


def _top_level_paths() -> set[str]:
    from flask import current_app

    return {rule.rule.strip("/").split("/")[0] for rule in current_app.url_map.iter_rules()} - {""}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except ServiceError as error:
            show_error(form, error)
            status = error.status
        else:
            _sign_in(user, form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or _home_for_user())
    return render_template("auth/login.html", form=form), status if status != 200 else _form_status(form)


@bp.post("/logout")
def logout():
    """Sign out: the session token is deleted, so copies of the cookie stop working too."""
    if current_user.is_authenticated:
        end_session(current_user.session_token)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/orgs")
@login_required
def organizations():
    """Choose one of the organizations you belong to."""
    return render_template("auth/organizations.html", orgs=my_organizations())


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation_accept(token):
    """Accept an invitation: set a password (or give your existing one) and join."""
    try:
        org_id, _, _ = invitations.read_token(token)
    except ServiceError as error:
        return render_template("auth/invitation_invalid.html", message=error.message), 404
    org = db.session.get(Organization, org_id)
    if org is None:
        abort(404)
    with org_context(org.id):
        try:
            invitation = invitations.open_invitation(token)
        except ServiceError as error:
            return render_template("auth/invitation_invalid.html", message=error.message, org=org), 410
        existing = db.session.scalar(sa.select(User).where(User.email == invitation.email))
        form = AcceptInvitationForm()
        if form.validate_on_submit():
            try:
                user = invitations.accept(invitation, form.name.data, form.password.data)
            except ServiceError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                db.session.commit()
                _sign_in(user, remember=False)
                flash(f"You joined {org.name} as {invitation.role.name}.", "success")
                return redirect(url_for("dashboard.home", org_slug=org.slug))
        return render_template("auth/invitation_accept.html", form=form, invitation=invitation, org=org,
                               existing=existing), _form_status(form)
