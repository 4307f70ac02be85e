"""Scoring many leads at once, fast enough for a million (docs/scoring.md, docs/performance.md).

A batch reads the lead columns scoring needs in one query, the leads' current scores by the
same id range in a second (not joined: see ``_current_numbers``), and each lead's interaction
count and last interaction in one grouped query; the scores are computed in Python
(crm.services.scoring caches what leads share, so this is cheap); and only the leads whose
numbers changed are written: one upsert into lead_scores and one INSERT of history rows per
batch (on PostgreSQL both read one staging table filled by COPY, crm.services.bulk; on SQLite
executemany). A lead whose score did not change gets no write at all, so the nightly
rescoring of an organization whose leads did not move is mostly reads. The scores live in
their own narrow table so that a night when every score moves does not rewrite every lead
record and its indexes (crm.models.scoring.LeadScore).
"""

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadScore
from crm.models import LeadScoreHistory
from crm.services import bulk
from crm.services.scoring import Rules
from crm.services.scoring import Score
from tenants.context import require_org_id

BATCH_SIZE = 10_000
ID_CHUNK = 1_000  # leads named by id (after an import): ids per IN list


@dataclass
class Outcome:
    scored: int = 0
    changed: int = 0
    last_id: int | None = None

    def add(self, other: "Outcome") -> None:
        self.scored += other.scored
        self.changed += other.changed
        self.last_id = other.last_id if other.last_id is not None else self.last_id


LEAD_COLUMNS = (Lead.id, Lead.company_size, Lead.title, Lead.source, Lead.email, Lead.phone, Lead.company_name)
UNSCORED = (None, None, None, None, None)


def _leads_query():
    return sa.select(*LEAD_COLUMNS).where(Lead.deleted_at.is_(None))


def _current_numbers(first_id: int, last_id: int) -> dict[int, tuple]:
    """The score rows of the leads with ids in the range, read apart from the leads: joined to
    them, PostgreSQL planned, whenever its statistics knew the organization as empty (a new
    one, during its first import), a nested loop that read the organization's every score row
    for each lead; rescoring a 90,000-lead import took ten minutes instead of seconds."""
    rows = db.session.execute(sa.select(LeadScore.lead_id, LeadScore.fit, LeadScore.engagement, LeadScore.activity,
                                        LeadScore.total, LeadScore.grade)
                              .where(LeadScore.lead_id.between(first_id, last_id))).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _interactions(which) -> dict[int, tuple[int, datetime]]:
    """(count, last occurred_at) of the live interactions of the leads ``which`` selects, by
    lead: one grouped scan of the (org_id, lead_id, occurred_at) index for the whole batch."""
    rows = db.session.execute(sa.select(Interaction.lead_id, sa.func.count(), sa.func.max(Interaction.occurred_at))
                              .where(which, Interaction.deleted_at.is_(None)).group_by(Interaction.lead_id)).all()
    return {lead_id: (count, last) for lead_id, count, last in rows}


def _apply(rows, interactions: dict, rules: Rules, moment: datetime) -> Outcome:
    changed: list[tuple[int, Score]] = []
    none, score_columns = (0, None), rules.score_columns
    numbers = _current_numbers(rows[0][0], rows[-1][0]) if rows else {}
    for lead_id, size, title, source, email, phone, company in rows:
        count, last = interactions.get(lead_id, none)
        score = score_columns(size, title, source, email, phone, company, count, last, moment)
        if (score.fit, score.engagement, score.activity, score.total, score.grade) != numbers.get(lead_id, UNSCORED):
            changed.append((lead_id, score))
    if changed:
        _write(changed, moment)
    return Outcome(scored=len(rows), changed=len(changed), last_id=rows[-1][0] if rows else None)


# The row a lead's first scoring makes, or the new numbers of a lead scored before. The key is
# the unique (org_id, lead_id): a lead scored at the same moment by a request and by a job gets
# one row, the last writer's numbers.
UPSERT_SET = ("ON CONFLICT (org_id, lead_id) DO UPDATE SET fit = excluded.fit, engagement = excluded.engagement, "
              "activity = excluded.activity, total = excluded.total, grade = excluded.grade, "
              "scored_at = excluded.scored_at")


def _write(changed: list[tuple[int, Score]], moment: datetime) -> None:
    org_id = require_org_id()
    if db.session.get_bind().dialect.name == "postgresql":
        _write_postgres(org_id, changed, moment)
        return
    db.session.execute(sa.text(
        f"INSERT INTO lead_scores (org_id, lead_id, fit, engagement, activity, total, grade, scored_at) "
        f"VALUES (:org_id, :id, :fit, :engagement, :activity, :total, :grade, :moment) {UPSERT_SET}"),
        [{"id": i, "fit": s.fit, "engagement": s.engagement, "activity": s.activity, "total": s.total,
          "grade": s.grade, "moment": moment, "org_id": org_id} for i, s in changed])
    db.session.execute(sa.insert(LeadScoreHistory), [
        {"org_id": org_id, "lead_id": i, "scored_at": moment, "fit": s.fit, "engagement": s.engagement,
         "activity": s.activity, "total": s.total, "grade": s.grade, "explanation": s.explanation}
        for i, s in changed])


def _write_postgres(org_id: int, changed: list[tuple[int, Score]], moment: datetime) -> None:
    """The batch's numbers and explanations go by COPY into one staging table (crm.services.bulk),
    which the score upsert and the history insert both read. Leads with the same scoring parts
    share one Score, so each explanation is turned into JSON once."""
    texts: dict[int, str] = {}

    def row(lead_id: int, score: Score) -> tuple:
        key = id(score.explanation)
        if key not in texts:
            texts[key] = json.dumps(score.explanation)
        return lead_id, score.fit, score.engagement, score.activity, score.total, score.grade, texts[key]

    columns = ("lead_id", "fit", "engagement", "activity", "total", "grade", "explanation")
    staging = bulk.stage("lead_score_history", columns, (row(i, s) for i, s in changed), name="staging_scores")
    params = {"org_id": org_id, "moment": moment}
    db.session.execute(sa.text(
        f"INSERT INTO lead_scores (org_id, lead_id, fit, engagement, activity, total, grade, scored_at) "
        f"SELECT :org_id, lead_id, fit, engagement, activity, total, grade, :moment FROM {staging} {UPSERT_SET}"), params)
    db.session.execute(sa.text(
        f"INSERT INTO lead_score_history (org_id, lead_id, scored_at, fit, engagement, activity, total, grade, "
        f"explanation) SELECT :org_id, lead_id, :moment, fit, engagement, activity, total, grade, explanation "
        f"FROM {staging}"), params)
    db.session.execute(sa.text(f"DROP TABLE {staging}"))


def rescore_after(rules: Rules, after_id: int, limit: int = BATCH_SIZE, moment: datetime | None = None) -> Outcome:
    """The next ``limit`` live leads by id after ``after_id``: the nightly rescoring's step."""
    rows = db.session.execute(_leads_query().where(Lead.id > after_id).order_by(Lead.id).limit(limit)).all()
    if not rows:
        return Outcome()
    interactions = _interactions(Interaction.lead_id.between(rows[0].id, rows[-1].id))
    return _apply(rows, interactions, rules, moment or clock.now())


def rescore_ids(rules: Rules, lead_ids, moment: datetime | None = None) -> Outcome:
    """These leads (after an import, or a change): ``ID_CHUNK`` ids per statement."""
    ids = sorted({int(i) for i in lead_ids})
    moment, outcome = moment or clock.now(), Outcome()
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        # The range bounds the index scan whatever the planner thinks of the organization's size.
        rows = db.session.execute(_leads_query().where(Lead.id.between(chunk[0], chunk[-1]), Lead.id.in_(chunk))
                                  .order_by(Lead.id)).all()
        outcome.add(_apply(rows, _interactions(sa.and_(Interaction.lead_id.between(chunk[0], chunk[-1]),
                                                       Interaction.lead_id.in_(chunk))), rules, moment))
    return outcome


def score_one(lead: Lead, rules: Rules, moment: datetime | None = None) -> Score:
    """One lead in the request that changed it: its score row is updated (or made) through
    ``lead.scoring``, so the page shows the new score, and a history row added when the
    numbers changed."""
    moment = moment or clock.now()
    count, last = _interactions(Interaction.lead_id == lead.id).get(lead.id, (0, None))
    score = rules.score_columns(lead.company_size, lead.title, lead.source, lead.email, lead.phone, lead.company_name,
                                count, last, moment)
    if not score.same_numbers(lead.score_fit, lead.score_engagement, lead.score_activity, lead.score, lead.grade):
        current = lead.scoring or LeadScore(lead_id=lead.id, org_id=lead.org_id)
        current.fit, current.engagement, current.activity = score.fit, score.engagement, score.activity
        current.total, current.grade, current.scored_at = score.total, score.grade, moment
        lead.scoring = current
        db.session.add(LeadScoreHistory(lead_id=lead.id, scored_at=moment, fit=score.fit, engagement=score.engagement,
                                        activity=score.activity, total=score.total, grade=score.grade,
                                        explanation=score.explanation))
    return score


def history(lead_id: int, limit: int = 30) -> list[LeadScoreHistory]:
    """The lead's latest scorings, newest first."""
    return db.session.scalars(sa.select(LeadScoreHistory).where(LeadScoreHistory.lead_id == lead_id)
                              .order_by(LeadScoreHistory.scored_at.desc(), LeadScoreHistory.id.desc())
                              .limit(limit)).all()


# A full pass over the organization's leads, one batch per call (the nightly job's unit)

@dataclass
class PassStep:
    scored: int
    changed: int
    finished: bool


def full_pass_batch(queued_at: datetime | None = None, limit: int | None = None) -> PassStep:
    """Score the next batch of the pass under way (starting one if none is), with the
    pass's cursor moved in the same transaction: a crash redoes at most this batch, and two
    copies of the job take turns on the locked row instead of scoring the same leads.

    ``queued_at``: when the job asking was queued. A pass that finished since then covers it,
    so a second copy of the nightly job does not start a second pass.
    """
    from crm.services.scoring_settings import ensure_config
    from crm.services.scoring_settings import rules_of

    limit = limit or BATCH_SIZE
    config = ensure_config(lock=True)
    if config.rescore_cursor is None:
        if queued_at is not None and config.rescored_at is not None and config.rescored_at >= queued_at:
            return PassStep(0, 0, True)
        config.rescore_cursor, config.rescore_started_at = 0, clock.now()
    outcome = rescore_after(rules_of(config), config.rescore_cursor, limit)
    finished = outcome.scored < limit
    if finished:
        config.rescore_cursor, config.rescored_at = None, clock.now()
    else:
        config.rescore_cursor = outcome.last_id
    return PassStep(outcome.scored, outcome.changed, finished)


def restart_full_pass() -> None:
    """Rules changed: the pass under way (if any) starts again from the first lead, so every
    lead ends up scored by the new rules. The caller queues the job and commits."""
    from crm.services.scoring_settings import ensure_config

    config = ensure_config(lock=True)
    config.rescore_cursor, config.rescore_started_at = 0, clock.now()


def imported_lead_ids(import_id: int, after_lead_id: int, limit: int) -> list[int]:
    """The leads an import created or updated, by id, from its row outcomes."""
    from crm.models import LeadImportRow

    return db.session.scalars(sa.select(LeadImportRow.lead_id).distinct().where(
        LeadImportRow.import_id == import_id, LeadImportRow.lead_id > after_lead_id,
        LeadImportRow.outcome.in_(("created", "updated"))).order_by(LeadImportRow.lead_id).limit(limit)).all()
