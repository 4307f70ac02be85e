"""An organization's scoring rules as the admin console edits them: read (with defaults for an
organization that never saved any), validated from the form, saved."""

import copy
import re

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from crm import clock
from crm.extensions import db
from crm.models import ScoringConfig
from crm.models.leads import LEAD_SOURCES
from crm.models.people import SIZE_BANDS
from crm.services import ServiceError
from crm.services.records import actor_id
from crm.services.scoring import COMPLETENESS
from crm.services.scoring import COMPONENTS
from crm.services.scoring import DEFAULT_GRADES
from crm.services.scoring import DEFAULT_RULES
from crm.services.scoring import Rules
from crm.services.scoring import source_label
from tenants.context import require_org_id

MAX_LINES = 50
KEYWORD_MAX = 60


def ensure_config(lock: bool = False) -> ScoringConfig:
    """The organization's row, created with the default rules when it has none yet (an
    INSERT that does nothing when another request or job created it first)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    a, b, c = DEFAULT_GRADES
    db.session.execute(dialect.insert(ScoringConfig).values(
        org_id=require_org_id(), rules=copy.deepcopy(DEFAULT_RULES), grade_a=a, grade_b=b, grade_c=c,
        updated_at=clock.now()).on_conflict_do_nothing(index_elements=["org_id"]))
    query = sa.select(ScoringConfig)
    if lock:
        query = query.with_for_update()
    return db.session.scalars(query).one()


def current_rules() -> Rules:
    """The rules to score with; defaults when nothing was saved (nothing is written here)."""
    config = db.session.scalars(sa.select(ScoringConfig)).one_or_none()
    if config is None:
        return Rules(copy.deepcopy(DEFAULT_RULES), DEFAULT_GRADES)
    return rules_of(config)


def rules_of(config: ScoringConfig) -> Rules:
    return Rules(config.rules, (config.grade_a, config.grade_b, config.grade_c))


# The form: one field per fixed rule, and "text = points" lines for keywords and bands.

def form_values(config: ScoringConfig | None) -> dict[str, str]:
    """The form's fields filled from the stored rules (or the defaults)."""
    rules = config.rules if config is not None else DEFAULT_RULES
    grades = (config.grade_a, config.grade_b, config.grade_c) if config is not None else DEFAULT_GRADES
    values = {f"weight_{c}": str(rules["weights"][c]) for c in COMPONENTS}
    values.update({f"grade_{g}": str(v) for g, v in zip("abc", grades)})
    values.update({f"size_{band}": str(rules["company_size"].get(band, 0)) for band in SIZE_BANDS})
    values.update({f"source_{s}": str(rules["sources"].get(s, 0)) for s in LEAD_SOURCES})
    values.update({f"complete_{k}": str(rules["completeness"].get(k, 0)) for k in COMPLETENESS})
    values["title_keywords"] = "\n".join(f"{kw} = {p}" for kw, p in rules["title_keywords"])
    values["interaction_count"] = "\n".join(f"{n} = {p}" for n, p in rules["interaction_count"])
    values["recency"] = "\n".join(f"{d} = {p}" for d, p in rules["recency"])
    return values


def _points(form, field: str, label: str, maximum: int = 100) -> int:
    raw = (form.get(field) or "").strip() or "0"
    if not re.fullmatch(r"-?\d{1,6}", raw):
        raise ServiceError(f"{label}: enter a whole number from 0 to {maximum} (not “{raw[:20]}”).", field)
    value = int(raw)
    if not 0 <= value <= maximum:
        raise ServiceError(f"{label}: points must be from 0 to {maximum}; {value} is out of range.", field)
    return value


def _lines(form, field: str, label: str, key_kind: str) -> list[list]:
    """``text = points`` lines; blank lines are skipped. ``key_kind`` is "keyword" or "number"."""
    pairs, seen = [], set()
    lines = [line.strip() for line in (form.get(field) or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise ServiceError(f"{label}: keep to {MAX_LINES} lines or fewer (there are {len(lines)}).", field)
    for number, line in enumerate(lines, 1):
        key, sep, points = line.rpartition("=")
        key, points = key.strip(), points.strip()
        if not sep or not key or not re.fullmatch(r"-?\d{1,6}", points):
            raise ServiceError(f"{label}, line {number} (“{line[:40]}”): write it as “{'vp' if key_kind == 'keyword' else '7'}"
                               f" = 30”, the text, an equals sign and whole points.", field)
        if not 0 <= int(points) <= 100:
            raise ServiceError(f"{label}, line {number}: points must be from 0 to 100; {points} is out of range.", field)
        if key_kind == "keyword":
            key = " ".join(key.lower().split())
            if len(key) > KEYWORD_MAX:
                raise ServiceError(f"{label}, line {number}: keep a keyword to {KEYWORD_MAX} characters.", field)
        else:
            if not re.fullmatch(r"\d{1,5}", key):
                raise ServiceError(f"{label}, line {number}: “{key[:20]}” is not a whole number of 0 or more.", field)
            key = int(key)
        if key in seen:
            raise ServiceError(f"{label}, line {number}: “{key}” is listed twice; keep one line for it.", field)
        seen.add(key)
        pairs.append([key, int(points)])
    return pairs


def clean(form) -> tuple[dict, tuple[int, int, int]]:
    """Rules and grade thresholds from the form; a ServiceError names the first bad field."""
    weights = {c: _points(form, f"weight_{c}", f"Weight of {c}") for c in COMPONENTS}
    if not any(weights.values()):
        raise ServiceError("Give at least one component a weight above 0, or every total would be 0.", "weight_fit")
    grades = tuple(_points(form, f"grade_{g}", f"Grade {g.upper()} threshold") for g in "abc")
    a, b, c = grades
    if not (a > b > c > 0):
        raise ServiceError(f"Grade thresholds must go down from A to C and stay above 0 (A {a}, B {b}, C {c} now): "
                           "for example A 75, B 50, C 25.", "grade_a")
    rules = {
        "weights": weights,
        "company_size": {band: _points(form, f"size_{band}", f"Company size {band}") for band in SIZE_BANDS},
        "sources": {s: _points(form, f"source_{s}", f"Source {source_label(s)}") for s in LEAD_SOURCES},
        "completeness": {k: _points(form, f"complete_{k}", label) for k, label in COMPLETENESS.items()},
        "title_keywords": _lines(form, "title_keywords", "Title keywords", "keyword"),
        "interaction_count": sorted(_lines(form, "interaction_count", "Interaction count", "number")),
        "recency": sorted(_lines(form, "recency", "Last interaction", "number")),
    }
    return rules, grades


def save(form) -> ScoringConfig:
    """Validate and store the rules; the caller commits (and may queue a rescoring)."""
    rules, (a, b, c) = clean(form)
    config = ensure_config(lock=True)
    config.rules, config.grade_a, config.grade_b, config.grade_c = rules, a, b, c
    config.updated_at, config.updated_by_id = clock.now(), actor_id()
    return config
