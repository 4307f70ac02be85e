"""Pipeline stages: the organization's own steps from first contact to won or lost.

Invariant: at least one won stage and one lost stage always exist, so a deal can always
be closed either way.
"""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import PipelineStage
from crm.models.pipeline import STAGE_KINDS
from crm.services import ServiceError
from crm.services import audit

# Later modules (opportunities) register a function stage -> number of deals in it.
deal_counters: list = []
# ... and functions stage -> None that let go of it just before it is deleted (history ids).
stage_releasers: list = []


def list_stages() -> list[PipelineStage]:
    return db.session.scalars(sa.select(PipelineStage).order_by(PipelineStage.position, PipelineStage.id)).all()


def _snapshot(stage: PipelineStage) -> dict:
    return {"name": stage.name, "probability": stage.probability, "expected_days": stage.expected_days,
            "kind": stage.kind, "position": stage.position}


def _int_in(value, low: int, high: int, field: str, label: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ServiceError(f"{label} must be a whole number from {low} to {high}.", field) from None
    if not low <= number <= high:
        raise ServiceError(f"{label} must be a whole number from {low} to {high}.", field)
    return number


def _clean(name, probability, expected_days, kind, stage: PipelineStage | None = None) -> dict:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Give the stage a name.", "name")
    if len(name) > 60:
        raise ServiceError("Keep the stage's name to 60 characters or fewer.", "name")
    clash = db.session.scalar(sa.select(PipelineStage).where(sa.func.lower(PipelineStage.name) == name.lower()))
    if clash is not None and clash is not stage:
        raise ServiceError(f"A stage named “{clash.name}” already exists; choose another name.", "name")
    if kind not in STAGE_KINDS:
        raise ServiceError("The kind must be open, won or lost.", "kind")
    return {
        "name": name,
        "probability": _int_in(probability, 0, 100, "probability", "Probability"),
        "expected_days": _int_in(expected_days, 0, 3650, "expected_days", "Expected days in stage"),
        "kind": kind,
    }


def _count_kind(kind: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PipelineStage).where(PipelineStage.kind == kind))


def create_stage(name, probability, expected_days, kind) -> PipelineStage:
    values = _clean(name, probability, expected_days, kind)
    last = db.session.scalar(sa.select(sa.func.max(PipelineStage.position))) or 0
    # New open stages go before the closing ones; closing stages go last.
    stage = PipelineStage(**values, position=last + 1)
    db.session.add(stage)
    db.session.flush()
    if kind == "open":
        closing = [s for s in list_stages() if s.kind != "open" and s is not stage]
        if closing:
            _place(stage, list_stages().index(closing[0]))
    audit.record("stage.create", stage, f"Created stage {stage.name}", None, _snapshot(stage))
    return stage


def update_stage(stage: PipelineStage, name, probability, expected_days, kind) -> None:
    values = _clean(name, probability, expected_days, kind, stage)
    if stage.kind in ("won", "lost") and values["kind"] != stage.kind and _count_kind(stage.kind) <= 1:
        raise ServiceError(f"This is the only {stage.kind} stage; add another {stage.kind} stage before changing its kind.", "kind")
    before = _snapshot(stage)
    for key, value in values.items():
        setattr(stage, key, value)
    if before != _snapshot(stage):
        audit.record("stage.update", stage, f"Changed stage {stage.name}", before, _snapshot(stage))


def _place(stage: PipelineStage, index: int) -> None:
    stages = [s for s in list_stages() if s is not stage]
    index = max(0, min(index, len(stages)))
    stages.insert(index, stage)
    for position, each in enumerate(stages):
        each.position = position


def move_stage(stage: PipelineStage, direction: str) -> bool:
    """Move one place up or down; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise ServiceError("Move a stage up or down.", "direction")
    stages = list_stages()
    index = stages.index(stage)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(stages):
        return False
    before = [s.name for s in stages]
    _place(stage, target)
    audit.record("stage.reorder", stage, f"Moved stage {stage.name} {direction}",
                 {"order": before}, {"order": [s.name for s in list_stages()]})
    return True


def delete_stage(stage: PipelineStage) -> None:
    if stage.kind in ("won", "lost") and _count_kind(stage.kind) <= 1:
        raise ServiceError(f"{stage.name} is the only {stage.kind} stage. Every pipeline keeps at least one won "
                           "and one lost stage; add another first.")
    deals = sum(count(stage) for count in deal_counters)
    if deals:
        raise ServiceError(f"{deals} deal{'s' if deals != 1 else ''} {'are' if deals != 1 else 'is'} in {stage.name}. "
                           "Move them to another stage first.")
    audit.record("stage.delete", stage, f"Deleted stage {stage.name}", _snapshot(stage), None)
    for release in stage_releasers:
        release(stage)
    db.session.delete(stage)
    db.session.flush()
    for position, each in enumerate(list_stages()):
        each.position = position
