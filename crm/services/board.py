"""The stage board: one column per stage, read in three queries whatever the number of deals.

Open columns show every live deal. Won and lost columns grow forever, so they show the deals
closed in the last ``RECENT_DAYS`` days, at most ``CLOSED_SHOWN`` cards each, and their
header figures count the same window; the list has the rest.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Opportunity
from crm.models import PipelineStage
from crm.models import User
from crm.services import pipeline
from crm.services import stage_moves

RECENT_DAYS = 30
CLOSED_SHOWN = 20


@dataclass
class Column:
    stage: PipelineStage
    count: int = 0
    total: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")
    cards: list = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.stage.kind != "open"

    @property
    def more(self) -> int:
        """Deals of the window the column does not show."""
        return max(self.count - CLOSED_SHOWN, 0) if self.closed else 0


def closed_since():
    return clock.now() - timedelta(days=RECENT_DAYS)


def header_totals(stage_ids, owner_id: int | None) -> dict:
    """The figures of the columns named, as the board counts them (for a header's refresh)."""
    return stage_moves.stage_totals(stage_ids, owner_id=owner_id, closed_since=closed_since())


def load(owner_id: int | None = None) -> list[Column]:
    """Every column with its header figures and cards, optionally one owner's deals only."""
    stages = pipeline.list_stages()
    since = closed_since()
    open_ids = [stage.id for stage in stages if stage.kind == "open"]
    totals = stage_moves.stage_totals(owner_id=owner_id, closed_since=since, open_stage_ids=open_ids)
    columns = {stage.id: Column(stage, *totals.get(stage.id, (0, Decimal("0.00"), Decimal("0.00"))))
               for stage in stages}
    for card in _cards(owner_id, since, open_ids):
        columns[card.stage_id].cards.append(card)
    return list(columns.values())


def _cards(owner_id: int | None, since, open_ids) -> list:
    return db.session.execute(cards_query(owner_id, since, open_ids)).all()


def cards_query(owner_id: int | None, since, open_ids=None):
    """Cards as plain rows, company and owner names joined in; closed columns ranked by how
    recently each deal closed and cut at ``CLOSED_SHOWN``."""
    recent = sa.func.row_number().over(partition_by=Opportunity.stage_id,
                                       order_by=(Opportunity.closed_at.desc(), Opportunity.id.desc()))
    query = (sa.select(Opportunity.id, Opportunity.name, Opportunity.value, Opportunity.probability,
                       Opportunity.expected_close_on, Opportunity.stage_id, Opportunity.owner_id,
                       Opportunity.closed_at, Company.name.label("company_name"), User.name.label("owner_name"),
                       PipelineStage.kind.label("stage_kind"), recent.label("recent"))
             .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
             .outerjoin(Company, sa.and_(Company.id == Opportunity.company_id, Company.deleted_at.is_(None)))
             .outerjoin(User, User.id == Opportunity.owner_id)
             .where(Opportunity.deleted_at.is_(None),
                    stage_moves.recent_or_open(since, open_ids)))
    if owner_id is not None:
        query = query.where(Opportunity.owner_id == owner_id)
    ranked = query.subquery()
    return (sa.select(ranked).where(sa.or_(ranked.c.stage_kind == "open", ranked.c.recent <= CLOSED_SHOWN))
            .order_by(ranked.c.expected_close_on.is_(None), ranked.c.expected_close_on, ranked.c.id))


def card(opportunity_id: int):
    """One card as the board draws it (after a move)."""
    return db.session.execute(
        sa.select(Opportunity.id, Opportunity.name, Opportunity.value, Opportunity.probability,
                  Opportunity.expected_close_on, Opportunity.stage_id, Opportunity.owner_id, Opportunity.closed_at,
                  Company.name.label("company_name"), User.name.label("owner_name"),
                  PipelineStage.kind.label("stage_kind"))
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .outerjoin(Company, sa.and_(Company.id == Opportunity.company_id, Company.deleted_at.is_(None)))
        .outerjoin(User, User.id == Opportunity.owner_id)
        .where(Opportunity.id == opportunity_id)).first()

