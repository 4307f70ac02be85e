"""Lead scoring and assignment rules in the admin console."""

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user

from crm.blueprints.admin import bp
from crm.blueprints.common import get_or_404
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.jobs.lead_scoring import start_rescoring_all
from crm.models import AssignmentRule
from crm.models import ScoringConfig
from crm.models.leads import LEAD_SOURCES
from crm.models.people import SIZE_BANDS
from crm.permissions import require
from crm.services import ServiceError
from crm.services import assignment
from crm.services import audit
from crm.services import scoring_settings
from crm.services.records import active_members
from crm.services.scoring import COMPLETENESS
from crm.services.scoring import COMPONENTS
from crm.services.scoring import source_label
from tenants.context import require_org_id


def _stored_config() -> ScoringConfig | None:
    return db.session.scalars(sa.select(ScoringConfig)).one_or_none()


def _scoring_section(status=200, trigger=None, error=None, field=None, values=None):
    config = _stored_config()
    return render("admin/scoring.html", "admin/_scoring.html", status=status, trigger=trigger, error=error,
                  error_field=field, values=values or scoring_settings.form_values(config), config=config,
                  components=COMPONENTS, size_bands=SIZE_BANDS, sources=[(s, source_label(s)) for s in LEAD_SOURCES],
                  completeness=COMPLETENESS)


def _rescore_all() -> None:
    start_rescoring_all(require_org_id(), current_user.id)


def _finish(endpoint: str, message: str, section):
    db.session.commit()
    if wants_fragment():
        return section(trigger=toast(message))
    flash(message, "success")
    return redirect(url_for(endpoint))


@bp.get("/scoring")
@require("admin.scoring")
def scoring_rules():
    """The points each rule gives, the components' weights and the grade thresholds."""
    return _scoring_section()


@bp.post("/scoring")
@require("admin.scoring")
def scoring_save():
    """Save the rules; with "Save and rescore all leads" a full rescoring is queued too."""
    before = _stored_config()
    before = {"rules": before.rules, "grades": [before.grade_a, before.grade_b, before.grade_c]} if before else None
    try:
        config = scoring_settings.save(request.form)
    except ServiceError as error:
        db.session.rollback()
        return _scoring_section(status=error.status, error=error.message, field=error.field, values=request.form)
    audit.record("scoring.update", config, "Changed the lead scoring rules", before=before,
                 after={"rules": config.rules, "grades": [config.grade_a, config.grade_b, config.grade_c]})
    message = "Scoring rules saved."
    if request.form.get("rescore"):
        _rescore_all()
        message = "Scoring rules saved. Every lead is being rescored in the background."
    return _finish("admin.scoring_rules", message, _scoring_section)


@bp.post("/scoring/rescore")
@require("admin.scoring")
def scoring_rescore():
    """Rescore every lead now with the saved rules."""
    _rescore_all()
    return _finish("admin.scoring_rules", "Every lead is being rescored in the background.", _scoring_section)


# Assignment rules

def _assignment_section(status=200, trigger=None, error=None, field=None, values=None, rule_id=None):
    rules = assignment.list_rules()
    return render("admin/assignment.html", "admin/_assignment.html", status=status, trigger=trigger, error=error,
                  error_field=field, values=values, error_rule_id=rule_id, rules=rules,
                  who=assignment.who_gets(rules), members=active_members(),
                  sources=[(s, source_label(s)) for s in LEAD_SOURCES], targets=assignment.TARGET_LABELS)


@bp.get("/assignment")
@require("admin.scoring")
def assignment_rules():
    """Who gets newly scored leads nobody owns: rules tried in order, the first that matches wins."""
    return _assignment_section()


def _save_rule(save, rule_id: int | None, action: str, done: str):
    """``save()`` returns the rule; a refusal shows the form again with the message (422)."""
    try:
        rule = save()
    except ServiceError as error:
        db.session.rollback()
        return _assignment_section(status=error.status, error=error.message, field=error.field, values=request.form,
                                   rule_id=rule_id)
    audit.record(f"assignment_rule.{action}", rule, f"{action.capitalize()}d the assignment rule {rule.name}")
    return _finish("admin.assignment_rules", f"Assignment rule {rule.name} {done}.", _assignment_section)


@bp.post("/assignment")
@require("admin.scoring")
def assignment_create():
    return _save_rule(lambda: assignment.create_rule(request.form), None, "create", "added")


@bp.post("/assignment/<int:rule_id>")
@require("admin.scoring")
def assignment_update(rule_id: int):
    rule = get_or_404(AssignmentRule, rule_id)
    return _save_rule(lambda: assignment.update_rule(rule, request.form) or rule, rule_id, "update", "saved")


@bp.post("/assignment/<int:rule_id>/move")
@require("admin.scoring")
def assignment_move(rule_id: int):
    rule = get_or_404(AssignmentRule, rule_id)
    direction = request.form.get("direction", "")
    moved = assignment.move_rule(rule, direction)
    message = f"Moved {rule.name} {direction}." if moved else f"{rule.name} stays where it is."
    return _finish("admin.assignment_rules", message, _assignment_section)


@bp.post("/assignment/<int:rule_id>/delete")
@require("admin.scoring")
def assignment_delete(rule_id: int):
    rule = get_or_404(AssignmentRule, rule_id)
    name = rule.name
    audit.record("assignment_rule.delete", rule, f"Deleted the assignment rule {name}")
    assignment.delete_rule(rule)
    return _finish("admin.assignment_rules", f"Assignment rule {name} deleted.", _assignment_section)
