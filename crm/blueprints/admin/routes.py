from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from wtforms.fields.choices import SelectChoice

from crm.blueprints.admin import bp
from crm.blueprints.admin.forms import InviteForm
from crm.blueprints.admin.forms import RoleForm
from crm.blueprints.admin.forms import SettingsForm
from crm.blueprints.admin.forms import StageForm
from crm.blueprints.common import get_or_404
from crm.extensions import db
from crm.forms import show_error
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import AuditEntry
from crm.models import Invitation
from crm.models import Membership
from crm.models import PipelineStage
from crm.models import Role
from crm.models import User
from crm.permissions import PERMISSIONS
from crm.permissions import require
from crm.services import ServiceError
from crm.services import invitations
from crm.services import members
from crm.services import organizations
from crm.services import pipeline
from crm.services import roles
from tenants.web import current_org

AUDIT_PAGE_SIZE = 50


def _done(endpoint: str, message: str, section):
    """After a change: the refreshed section for htmx, else redirect back to the page."""
    db.session.commit()
    if wants_fragment():
        return section(trigger=toast(message))
    flash(message, "success")
    return redirect(url_for(endpoint))


def _refused(error: ServiceError, section):
    """A refusal: the section again, with the message inside it (status 422).

    Not also flashed: the page renders in this same response, so a flash would show
    the message a second time at the top.
    """
    db.session.rollback()
    return section(error=error.message, status=error.status)


def _attempt(change, *args, message: str, endpoint: str, section):
    """``change(*args)``, which the service may refuse: the refusal inside the section, else ``_done``.

    ``message`` is written before the change, while what it names (a member, a role) still exists.
    """
    try:
        change(*args)
    except ServiceError as error:
        return _refused(error, section)
    return _done(endpoint, message, section)


# Members

def _members_section(status=200, trigger=None, error=None):
    return render("admin/members.html", "admin/_members.html", status=status, trigger=trigger, error=error,
                  members=members.list_members(), roles=[r for r, _ in roles.list_roles_with_counts()])


@bp.get("/")
@require("admin.members")
def admin_index():
    """The console opens on the member list."""
    return redirect(url_for("admin.members_list"))


@bp.get("/members")
@require("admin.members")
def members_list():
    """Everyone in the organization, with their role and whether they are active."""
    return _members_section()


@bp.post("/members/<int:member_id>/role")
@require("admin.members")
def members_change_role(member_id):
    """Give a member another role."""
    member = get_or_404(Membership, member_id)
    try:
        role = members.get_role(request.form.get("role_id", ""))
        members.change_role(member, role)
    except ServiceError as error:
        return _refused(error, _members_section)
    return _done("admin.members_list", f"{member.user.name} is now {role.name}.", _members_section)


@bp.post("/members/<int:member_id>/deactivate")
@require("admin.members")
def members_deactivate(member_id):
    """Stop a member from entering the organization, keeping their history."""
    member = get_or_404(Membership, member_id)
    return _attempt(members.deactivate, member, message=f"{member.user.name} was deactivated.",
                    endpoint="admin.members_list", section=_members_section)


@bp.post("/members/<int:member_id>/reactivate")
@require("admin.members")
def members_reactivate(member_id):
    """Let a deactivated member in again."""
    member = get_or_404(Membership, member_id)
    members.reactivate(member)
    return _done("admin.members_list", f"{member.user.name} was reactivated.", _members_section)


@bp.post("/members/<int:member_id>/remove")
@require("admin.members")
def members_remove(member_id):
    """Remove a member from the organization altogether."""
    member = get_or_404(Membership, member_id)
    return _attempt(members.remove, member, message=f"{member.user.name} was removed from the organization.",
                    endpoint="admin.members_list", section=_members_section)


# Invitations

def _invitations_section(status=200, trigger=None, error=None, form=None):
    role_choices = [SelectChoice(str(r.id), r.name) for r, _ in roles.list_roles_with_counts()]
    if form is None:
        form = InviteForm(formdata=None)
    form.role_id.choices = role_choices
    listing = db.session.scalars(sa.select(Invitation).order_by(Invitation.created_at.desc()).limit(200)).unique().all()
    return render("admin/invitations.html", "admin/_invitations.html", status=status, trigger=trigger, error=error,
                  form=form, invitations=listing)


@bp.get("/invitations")
@require("admin.invitations")
def invitations_list():
    """Open and past invitations, and the form to send a new one."""
    return _invitations_section()


@bp.post("/invitations")
@require("admin.invitations")
def invitations_send():
    """Email an invitation to join with the chosen role."""
    form = InviteForm()
    form.role_id.choices = []
    if not form.validate_on_submit():
        return _invitations_section(status=422, form=form)
    try:
        role = members.get_role(form.role_id.data)
        invitation = invitations.invite(current_org(), form.email.data, role)
    except ServiceError as error:
        db.session.rollback()
        show_error(form, error)
        return _invitations_section(status=422, form=form)
    return _done("admin.invitations_list", f"Invitation sent to {invitation.email}.", _invitations_section)


@bp.post("/invitations/<int:invitation_id>/resend")
@require("admin.invitations")
def invitations_resend(invitation_id):
    """Send the invitation again with a fresh link valid for another 7 days."""
    invitation = get_or_404(Invitation, invitation_id)
    return _attempt(invitations.resend, current_org(), invitation, message=f"Invitation resent to {invitation.email}.",
                    endpoint="admin.invitations_list", section=_invitations_section)


@bp.post("/invitations/<int:invitation_id>/revoke")
@require("admin.invitations")
def invitations_revoke(invitation_id):
    """Withdraw an invitation so that its link stops working."""
    invitation = get_or_404(Invitation, invitation_id)
    return _attempt(invitations.revoke, invitation, message=f"Invitation to {invitation.email} revoked.",
                    endpoint="admin.invitations_list", section=_invitations_section)


# Roles

def _roles_section(status=200, trigger=None, error=None, form=None):
    return render("admin/roles.html", "admin/_roles.html", status=status, trigger=trigger, error=error,
                  roles=roles.list_roles_with_counts(), form=form or RoleForm(formdata=None), permissions=PERMISSIONS)


@bp.get("/roles")
@require("admin.roles")
def roles_list():
    """The organization's roles and how many members hold each."""
    return _roles_section()


@bp.post("/roles")
@require("admin.roles")
def roles_create():
    """Create a role with the ticked permissions."""
    form = RoleForm()
    if not form.validate_on_submit():
        return _roles_section(status=422, form=form)
    try:
        role = roles.create_role(form.name.data, form.permissions.data)
    except ServiceError as error:
        db.session.rollback()
        show_error(form, error)
        return _roles_section(status=422, form=form)
    return _done("admin.roles_list", f"Role {role.name} created.", _roles_section)


def _role_page(role: Role, form: RoleForm, status: int = 200, trigger=None):
    return render("admin/role_edit.html", "admin/_role_form.html", status=status, trigger=trigger, role=role, form=form,
                  permissions=PERMISSIONS)


@bp.get("/roles/<int:role_id>")
@require("admin.roles")
def roles_edit(role_id):
    """Rename a role and choose its permissions."""
    role = get_or_404(Role, role_id)
    form = RoleForm(formdata=None, name=role.name, permissions=list(role.permissions))
    return _role_page(role, form)


@bp.post("/roles/<int:role_id>")
@require("admin.roles")
def roles_update(role_id):
    """Save a role's name and permissions."""
    role = get_or_404(Role, role_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _role_page(role, form, 422)
    try:
        roles.update_role(role, form.name.data, form.permissions.data)
    except ServiceError as error:
        db.session.rollback()
        show_error(form, error)
        return _role_page(role, form, 422)
    db.session.commit()
    message = f"Role {role.name} saved."
    if wants_fragment():
        return _role_page(role, RoleForm(formdata=None, name=role.name, permissions=list(role.permissions)),
                          trigger=toast(message))
    flash(message, "success")
    return redirect(url_for("admin.roles_list"))


@bp.post("/roles/<int:role_id>/delete")
@require("admin.roles")
def roles_delete(role_id):
    """Delete a role that nobody holds."""
    role = get_or_404(Role, role_id)
    return _attempt(roles.delete_role, role, message=f"Role {role.name} deleted.", endpoint="admin.roles_list",
                    section=_roles_section)


# Pipeline stages

def _stages_section(status=200, trigger=None, error=None, form=None, errors_for=None):
    return render("admin/stages.html", "admin/_stages.html", status=status, trigger=trigger, error=error,
                  stages=pipeline.list_stages(), form=form or StageForm(formdata=None), errors_for=errors_for or {})


@bp.get("/stages")
@require("admin.pipeline")
def stages_list():
    """The pipeline's stages in order, each editable in place."""
    return _stages_section()


@bp.post("/stages")
@require("admin.pipeline")
def stages_create():
    """Add a stage (open stages go before the closing ones)."""
    form = StageForm()
    if not form.validate_on_submit():
        return _stages_section(status=422, form=form)
    try:
        stage = pipeline.create_stage(form.name.data, form.probability.data, form.expected_days.data, form.kind.data)
    except ServiceError as error:
        db.session.rollback()
        show_error(form, error)
        return _stages_section(status=422, form=form)
    return _done("admin.stages_list", f"Stage {stage.name} added.", _stages_section)


@bp.post("/stages/<int:stage_id>")
@require("admin.pipeline")
def stages_update(stage_id):
    """Rename a stage or change its probability, expected days or kind."""
    stage = get_or_404(PipelineStage, stage_id)
    form = StageForm()
    try:
        if not form.validate_on_submit():
            raise ServiceError(" ".join(e for errs in form.errors.values() for e in errs))
        pipeline.update_stage(stage, form.name.data, form.probability.data, form.expected_days.data, form.kind.data)
    except ServiceError as error:
        db.session.rollback()
        return _stages_section(status=422, errors_for={stage_id: error.message})
    return _done("admin.stages_list", f"Stage {stage.name} saved.", _stages_section)


@bp.post("/stages/<int:stage_id>/move")
@require("admin.pipeline")
def stages_move(stage_id):
    """Move a stage one place up or down."""
    stage = get_or_404(PipelineStage, stage_id)
    direction = request.form.get("direction", "")
    try:
        moved = pipeline.move_stage(stage, direction)
    except ServiceError as error:
        return _refused(error, _stages_section)
    if moved:
        message = f"Moved {stage.name} {direction}."
    else:
        message = f"{stage.name} is already {'first' if direction == 'up' else 'last'}."
    return _done("admin.stages_list", message, _stages_section)


@bp.post("/stages/<int:stage_id>/delete")
@require("admin.pipeline")
def stages_delete(stage_id):
    """Delete a stage that holds no deals."""
    stage = get_or_404(PipelineStage, stage_id)
    return _attempt(pipeline.delete_stage, stage, message=f"Stage {stage.name} deleted.", endpoint="admin.stages_list",
                    section=_stages_section)


# Settings

@bp.route("/settings", methods=["GET", "POST"])
@require("admin.settings")
def settings():
    """The organization's name, currency and timezone."""
    org = current_org()
    form = SettingsForm(obj=org)
    status = 200
    if form.validate_on_submit():
        try:
            organizations.update_settings(org, form.name.data, form.currency.data, form.timezone.data)
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
        else:
            db.session.commit()
            if wants_fragment():
                return render("admin/settings.html", "admin/_settings.html", form=SettingsForm(formdata=None, obj=org),
                              trigger=toast("Settings saved."))
            flash("Settings saved.", "success")
            return redirect(url_for("admin.settings"))
    elif request.method == "POST":
        status = 422
    return render("admin/settings.html", "admin/_settings.html", status=status, form=form)


# Audit log

def _parse_day(value: str | None, field: str, notes: list[str]):
    """The day a filter names (as a UTC date), or None: absent, or not a date (noted for the page)."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        notes.append(f"“{value[:40]}” is not a date, so the “{field}” filter was ignored; use YYYY-MM-DD.")
        return None


def _whole_number(value: str | None, largest: int) -> int | None:
    """A plain decimal number from a query string, or None (also for absurdly large ones)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdecimal() or len(value) > len(str(largest)):
        return None
    number = int(value)
    return number if number <= largest else None


@bp.get("/audit")
@require("admin.audit")
def audit_log():
    """Every admin action, newest first, filtered by action, person and dates."""
    args = request.args
    notes: list[str] = []
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    action = args.get("action", "").strip()
    if action:
        # "member" matches every member.* action; "member.role" exactly that one.
        if len(action) > 60 or not action.isprintable():
            query = query.where(sa.false())  # no action is named like that (and PostgreSQL refuses NUL)
        elif "." in action:
            query = query.where(AuditEntry.action == action)
        else:
            query = query.where(AuditEntry.action.startswith(f"{action}.", autoescape=True))
    actor = args.get("actor", "")
    if actor:
        actor_id = _whole_number(actor, 2**63 - 1)
        query = query.where(AuditEntry.actor_id == actor_id) if actor_id is not None else query.where(sa.false())
    since, until = _parse_day(args.get("from"), "From", notes), _parse_day(args.get("to"), "To", notes)
    if since:
        query = query.where(AuditEntry.created_at >= datetime.combine(since, time.min, tzinfo=timezone.utc))
    if until and until < date.max:
        query = query.where(AuditEntry.created_at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=timezone.utc))
    page = min(max(_whole_number(args.get("page"), 10_000) or 1, 1), 10_000)
    entries = db.session.scalars(query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)).unique().all()
    # Everyone who appears in this log, including people who have since been removed.
    actors = db.session.scalars(sa.select(User).where(
        User.id.in_(sa.select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)))).order_by(User.name)).all()
    actions = db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    return render("admin/audit.html", "admin/_audit.html", entries=entries[:AUDIT_PAGE_SIZE],
                  has_next=len(entries) > AUDIT_PAGE_SIZE, page=page, actors=actors, actions=actions, args=args,
                  notes=notes)
