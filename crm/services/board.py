"""The stage board: one column per stage, read in three queries whatever the number of deals.

Drawing a card is most of the page's cost, so an open column shows its first ``PAGE_SIZE``
deals (soonest expected close first) and loads the next ones a page at a time, after a keyset
cursor (``page``). Won and lost columns grow forever, so they show the deals closed in the last
``RECENT_DAYS`` days, at most ``CLOSED_SHOWN`` cards each; the list has the rest. Header
figures always count the whole column (the open stage, or the closed window).
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
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
PAGE_SIZE = 50


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

    @property
    def unshown(self) -> int:
        """Deals of an open column still to load (its cards must have been read)."""
        return 0 if self.closed else max(self.count - len(self.cards), 0)

    @property
    def after(self) -> str | None:
        return cursor(self.cards[-1]) if self.cards else None


@dataclass
class Page:
    """The next cards of an open column, and how many come after them."""

    stage: PipelineStage
    cards: list
    unshown: int

    @property
    def after(self) -> str | None:
        return cursor(self.cards[-1]) if self.cards else None


class BadCursor(ValueError):
    pass


def cursor(card) -> str:
    """Where a page ends: the last card's expected close date and id ("none" for no date)."""
    day = card.expected_close_on.isoformat() if card.expected_close_on else "none"
    return f"{day}_{card.id}"


def parse_cursor(value: str) -> tuple[date | None, int]:
    day, sep, ident = (value or "").partition("_")
    if not sep or not ident.isdigit() or len(ident) > 18 or not ident.isascii():
        raise BadCursor(value)
    if day == "none":
        return None, int(ident)
    try:
        return date.fromisoformat(day), int(ident)
    except ValueError:
        raise BadCursor(value) from None


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
    if stages:
        for card in db.session.execute(*cards_query(stages, owner_id, since)):
            columns[card.stage_id].cards.append(card)
    return list(columns.values())


_OPEN_ORDER = (Opportunity.expected_close_on.asc().nulls_last(), Opportunity.id)
_CARD_COLUMNS = (Opportunity.id, Opportunity.name, Opportunity.value, Opportunity.probability,
                 Opportunity.expected_close_on, Opportunity.stage_id, Opportunity.owner_id, Opportunity.closed_at,
                 Opportunity.company_id)


def _live(owner_id: int | None, *criteria):
    query = sa.select(*_CARD_COLUMNS).where(Opportunity.deleted_at.is_(None), *criteria)
    return query if owner_id is None else query.where(Opportunity.owner_id == owner_id)


def _named(ranked, *extra):
    """Company and owner names joined to the few rows kept (not to every deal before the cut)."""
    return (sa.select(ranked, Company.name.label("company_name"), User.name.label("owner_name"), *extra)
            .outerjoin(Company, sa.and_(Company.id == ranked.c.company_id, Company.deleted_at.is_(None)))
            .outerjoin(User, User.id == ranked.c.owner_id))


def cards_query(stages, owner_id: int | None, since):
    """The first cards of every column in one statement, and its parameters.

    Per stage a LIMITed read that walks that stage's index range: the same plan as a LATERAL
    join, and SQLite runs it too (ranking every open deal with row_number() took four times as
    long on PostgreSQL). Building the statement cost more than running it, so it is built once
    per shape of board (its stages' kinds, with or without an owner) with the ids as parameters."""
    shape = (tuple(stage.kind == "open" for stage in stages), owner_id is not None)
    statement = _statements.get(shape)
    if statement is None:
        statement = _statements[shape] = _cards_statement(*shape)
    params = {f"stage_{i}": stage.id for i, stage in enumerate(stages)}
    params["since"] = since
    if owner_id is not None:
        params["owner_id"] = owner_id
    return statement, params


_statements: dict = {}


def _cards_statement(open_flags: tuple, by_owner: bool):
    owner_id = sa.bindparam("owner_id") if by_owner else None
    parts = []
    for i, is_open in enumerate(open_flags):
        in_stage = Opportunity.stage_id == sa.bindparam(f"stage_{i}")
        if is_open:
            part = _live(owner_id, in_stage).order_by(*_OPEN_ORDER).limit(PAGE_SIZE)
        else:
            part = (_live(owner_id, in_stage, Opportunity.closed_at >= sa.bindparam("since"))
                    .order_by(Opportunity.closed_at.desc(), Opportunity.id.desc()).limit(CLOSED_SHOWN))
        parts.append(sa.select(part.subquery()))
    ranked = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return _named(ranked).order_by(ranked.c.expected_close_on.is_(None), ranked.c.expected_close_on, ranked.c.id)


def page(stage: PipelineStage, owner_id: int | None, after: str | None) -> Page:
    """The ``PAGE_SIZE`` cards of an open column after the cursor (from the start without one),
    and how many remain after them, in one statement. Raises BadCursor."""
    criteria = [Opportunity.stage_id == stage.id]
    if after:
        day, ident = parse_cursor(after)
        close = Opportunity.expected_close_on
        if day is None:
            criteria.append(sa.and_(close.is_(None), Opportunity.id > ident))
        else:
            criteria.append(sa.or_(close > day, sa.and_(close == day, Opportunity.id > ident), close.is_(None)))
    following = sa.func.count().over().label("following")
    ranked = _live(owner_id, *criteria).add_columns(following).order_by(*_OPEN_ORDER).limit(PAGE_SIZE).subquery()
    rows = db.session.execute(
        _named(ranked).order_by(ranked.c.expected_close_on.is_(None), ranked.c.expected_close_on, ranked.c.id)).all()
    return Page(stage, rows, max(rows[0].following - len(rows), 0) if rows else 0)


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

