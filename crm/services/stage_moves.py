"""Moving deals between stages: the one place that closes, reopens and records a move.

Every move leaves a history row (stage names copied, so it still reads after a stage is
renamed or deleted) and a line on the deal's timeline. Moves lock the deal's row first, so
two people moving the same deal at once produce two history rows that follow each other,
never a move recorded from a stage the deal had already left.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import BuildError

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Opportunity
from crm.models import OpportunityStageChange
from crm.models import PipelineStage
from crm.models import User
from crm.services import ServiceError
from crm.services.activity import org_timezone
from crm.services.records import actor_id
from crm.services.records import check_printable
from crm.services.records import record_event

REASON_MAX = 500
NOTE_MAX = 500
MAX_ID = 2**63 - 1
CLOSED_KINDS = ("won", "lost")


def _parse_stage_id(value) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def find_stage(value) -> PipelineStage | None:
    """A stage of this organization from a form's value; None for anything else, including
    another organization's id."""
    stage_id = _parse_stage_id(value)
    return db.session.scalar(sa.select(PipelineStage).where(PipelineStage.id == stage_id)) if stage_id else None


def _stage(value) -> PipelineStage:
    stage = find_stage(value)
    if stage is None:
        raise ServiceError("Choose one of your pipeline's stages.", "stage_id")
    return stage


def _text(value, field: str, label: str, limit: int) -> str | None:
    text = check_printable(str(value or "").strip(), field, label)
    if len(text) > limit:
        raise ServiceError(f"Keep the {label} to {limit} characters or fewer (it has {len(text)}).", field)
    return text or None


def record_initial_stage(opportunity: Opportunity) -> OpportunityStageChange:
    """The first history row: the stage the deal was created in (from nowhere)."""
    stage = db.session.scalar(sa.select(PipelineStage).where(PipelineStage.id == opportunity.stage_id))
    change = OpportunityStageChange(opportunity_id=opportunity.id, from_stage_id=None, from_stage_name=None,
                                    to_stage_id=stage.id, to_stage_name=stage.name, moved_by_id=actor_id(),
                                    moved_at=opportunity.stage_entered_at or clock.now())
    db.session.add(change)
    if stage.kind == "won":
        _make_customer(opportunity)
    return change


def _lock(opportunity: Opportunity) -> Opportunity:
    """Re-read the row under FOR UPDATE (PostgreSQL; SQLite has one writer at a time), so a
    move that waited for another one starts from the stage that one left it in."""
    locked = db.session.scalar(sa.select(Opportunity).where(Opportunity.id == opportunity.id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked is None or locked.deleted_at is not None:
        raise ServiceError("This opportunity was deleted meanwhile; nothing was moved.", "stage_id")
    return locked


def move_opportunity(opportunity: Opportunity, stage_id, *, reason: str | None = None,
                     note: str | None = None) -> OpportunityStageChange | None:
    """Move the deal to ``stage_id`` (a form's string is fine); None when it is already there.

    Entering a won or lost stage needs a reason and sets ``closed_at``; moving back to an open
    stage clears both. A won deal makes its company a customer and tells the owner."""
    stage = _stage(stage_id)
    reason = _text(reason, "reason", "reason", REASON_MAX)
    note = _text(note, "note", "note", NOTE_MAX)
    if stage.kind in CLOSED_KINDS and not reason:
        raise ServiceError(f"Say why the deal was {stage.kind}.", "reason")
    opportunity = _lock(opportunity)
    if opportunity.stage_id == stage.id:
        return None
    previous = db.session.scalar(sa.select(PipelineStage).where(PipelineStage.id == opportunity.stage_id))
    now = clock.now()
    from_name = previous.name if previous is not None else None
    change = OpportunityStageChange(opportunity_id=opportunity.id, from_stage_id=opportunity.stage_id,
                                    from_stage_name=from_name, to_stage_id=stage.id, to_stage_name=stage.name,
                                    moved_by_id=actor_id(), moved_at=now, note=note)
    opportunity.stage_id = stage.id
    opportunity.stage_entered_at = now
    if stage.kind in CLOSED_KINDS:
        opportunity.closed_at = now
        opportunity.close_reason = reason
    else:
        opportunity.closed_at = None
        opportunity.close_reason = None
    db.session.add(change)
    db.session.flush()
    summary = f"Moved from {from_name} to {stage.name}" if from_name else f"Moved to {stage.name}"
    if stage.kind in CLOSED_KINDS:
        summary += f" ({stage.kind}: {reason})"
    record_event("stage", summary, company_id=opportunity.company_id, contact_id=opportunity.contact_id,
                 opportunity_id=opportunity.id,
                 data={"from": from_name, "to": stage.name, "kind": stage.kind, "note": note})
    if stage.kind == "won":
        _won(opportunity, change)
    return change


def _won(opportunity: Opportunity, change: OpportunityStageChange) -> None:
    _make_customer(opportunity)
    if opportunity.owner_id is None or opportunity.owner_id == actor_id():
        return
    from crm.services.notifications import notify  # imported late: notifications imports records

    notify(opportunity.owner_id, "won", f"{_actor_name()} moved your deal “{opportunity.name}” to won",
           _link(opportunity), f"won:opportunity:{opportunity.id}:move:{change.id}")


def _make_customer(opportunity: Opportunity) -> None:
    """A won deal, moved there or created there, makes its company a customer."""
    if opportunity.company_id is not None:
        company = db.session.scalar(sa.select(Company).where(Company.id == opportunity.company_id,
                                                             Company.deleted_at.is_(None)))
        if company is not None and company.lifecycle_stage != "customer":
            company.lifecycle_stage = "customer"
            record_event("updated", f"Became a customer: {opportunity.name} was won"[:300], company_id=company.id,
                         data={"fields": ["lifecycle_stage"]})


def _actor_name() -> str:
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return current_user.name or current_user.email
    return "Someone"


def _link(opportunity: Opportunity) -> str | None:
    for endpoint in ("opportunities.opportunities_show", "opportunities.board"):
        try:
            if endpoint == "opportunities.board":
                return url_for(endpoint)
            return url_for(endpoint, opportunity_id=opportunity.id)
        except (BuildError, RuntimeError):
            continue
    return None


def effective_probability_sql():
    """The deal's own probability when set, else its stage's (a SQL expression)."""
    return sa.func.coalesce(Opportunity.probability, PipelineStage.probability)


def recent_or_open(since, open_stage_ids=None):
    """Deals in an open stage, or closed since ``since``."""
    if open_stage_ids is not None:
        return sa.or_(Opportunity.stage_id.in_(list(open_stage_ids)), Opportunity.closed_at >= since)
    return sa.or_(PipelineStage.kind == "open", Opportunity.closed_at >= since)


def stage_totals(stage_ids=None, *, owner_id: int | None = None, closed_since=None,
                 open_stage_ids=None) -> dict[int, tuple[int, Decimal, Decimal]]:
    """Per stage: number of live deals, their total value and the value weighted by probability.

    One GROUP BY query for all stages. ``closed_since`` limits won and lost stages to deals
    closed since then (the board's columns for closed deals show the recent ones); given the open
    stages' ids as well, the filter is on the deal's own columns, which indexes can answer."""
    weighted = sa.func.sum(Opportunity.value * effective_probability_sql())
    query = (sa.select(Opportunity.stage_id, sa.func.count(), sa.func.sum(Opportunity.value), weighted)
             .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
             .where(Opportunity.deleted_at.is_(None))
             .group_by(Opportunity.stage_id))
    if stage_ids is not None:
        query = query.where(Opportunity.stage_id.in_(list(stage_ids)))
    if owner_id is not None:
        query = query.where(Opportunity.owner_id == owner_id)
    if closed_since is not None:
        query = query.where(recent_or_open(closed_since, open_stage_ids))
    cent = Decimal("0.01")
    totals = {}
    for stage_id, count, total, weighted_sum in db.session.execute(query):
        totals[stage_id] = (count, Decimal(total or 0).quantize(cent),
                            (Decimal(weighted_sum or 0) / 100).quantize(cent))
    return totals


@dataclass(frozen=True)
class HistoryRow:
    from_name: str | None
    to_name: str
    who: str | None
    when: datetime  # in the organization's timezone
    note: str | None


def history_for(opportunity: Opportunity) -> list[HistoryRow]:
    """The deal's moves, newest first, with who made them (one query)."""
    tz = org_timezone()
    rows = db.session.execute(
        sa.select(OpportunityStageChange.from_stage_name, OpportunityStageChange.to_stage_name,
                  OpportunityStageChange.moved_at, OpportunityStageChange.note, User.name, User.email)
        .outerjoin(User, User.id == OpportunityStageChange.moved_by_id)
        .where(OpportunityStageChange.opportunity_id == opportunity.id)
        .order_by(OpportunityStageChange.moved_at.desc(), OpportunityStageChange.id.desc())
    ).all()
    return [HistoryRow(from_name, to_name, name or email, clock.aware(moved_at).astimezone(tz), note)
            for from_name, to_name, moved_at, note, name, email in rows]


def count_in_stage(stage: PipelineStage) -> int:
    """For crm.services.pipeline.deal_counters: live deals in the stage (deleted ones are
    moved out of the way when the stage goes)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity)
                             .where(Opportunity.stage_id == stage.id, Opportunity.deleted_at.is_(None))) or 0


def release_stage(stage: PipelineStage) -> None:
    """Before a stage is deleted (it holds no live deal by then): history keeps its copied
    name but drops the id, and deleted deals still in it go to another stage of the same kind,
    so that restoring one later finds it somewhere real."""
    db.session.execute(sa.update(OpportunityStageChange).where(OpportunityStageChange.from_stage_id == stage.id)
                       .values(from_stage_id=None).execution_options(synchronize_session=False))
    db.session.execute(sa.update(OpportunityStageChange).where(OpportunityStageChange.to_stage_id == stage.id)
                       .values(to_stage_id=None).execution_options(synchronize_session=False))
    stranded = db.session.scalars(sa.select(Opportunity).where(Opportunity.stage_id == stage.id)).all()
    if not stranded:
        return
    others = db.session.scalars(sa.select(PipelineStage).where(PipelineStage.id != stage.id)
                                .order_by(PipelineStage.position, PipelineStage.id)).all()
    home = next((s for s in others if s.kind == stage.kind), None) or next(s for s in others if s.kind == "open")
    now = clock.now()
    for opportunity in stranded:
        db.session.add(OpportunityStageChange(
            opportunity_id=opportunity.id, from_stage_id=None, from_stage_name=stage.name, to_stage_id=home.id,
            to_stage_name=home.name, moved_by_id=actor_id(), moved_at=now,
            note=f"Stage {stage.name} was deleted while this deal was in the bin."[:NOTE_MAX]))
        opportunity.stage_id = home.id
        opportunity.stage_entered_at = now
    db.session.flush()


def _register() -> None:
    from crm.services import pipeline

    if count_in_stage not in pipeline.deal_counters:
        pipeline.deal_counters.append(count_in_stage)
    if release_stage not in pipeline.stage_releasers:
        pipeline.stage_releasers.append(release_stage)


_register()
