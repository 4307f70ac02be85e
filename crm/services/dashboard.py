"""The sales dashboard: the organization's figures for a period and an owner.

Every figure comes from a fixed number of aggregate queries (GROUP BY and FILTER), whatever
the number of deals, leads or interactions; only the top five deals and the ten latest
interactions are read as rows. Definitions are in docs/dashboard.md. A section is computed
only for members allowed to see what it counts.
"""

import calendar
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import Interaction
from crm.models import Lead
from crm.models import Opportunity
from crm.models import PipelineStage
from crm.models import User
from crm.models.leads import LEAD_STATUSES
from crm.models.leads import lead_name

CENT = Decimal("0.01")
ACTIVE_LEAD_STATUSES = tuple(s for s in LEAD_STATUSES if s not in ("converted", "unqualified"))
TOP_DEALS = 5
RECENT_INTERACTIONS = 10
PERIODS = (("this_month", "This month"), ("last_month", "Last month"), ("this_quarter", "This quarter"),
           ("last_quarter", "Last quarter"), ("this_year", "This year"), ("last_12_months", "Last 12 months"),
           ("custom", "Custom dates"))
DEFAULT_PERIOD = "this_quarter"
# Dates outside these years cannot be turned into moments in every timezone.
FIRST_YEAR, LAST_YEAR = 1900, 9998


# The filters

@dataclass
class Period:
    key: str
    start: date  # first day, in the organization's timezone
    end: date    # last day, inclusive

    @property
    def label(self) -> str:
        return dict(PERIODS)[self.key]

    def moments(self, zone) -> tuple[datetime, datetime]:
        """The period as [start, end) moments in UTC: midnights in the organization's timezone."""
        def midnight(day: date) -> datetime:
            return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)
        return midnight(self.start), midnight(self.end + timedelta(days=1))


@dataclass
class Filters:
    period: Period
    owner_id: int | None = None
    notices: list[str] = field(default_factory=list)

    def owner_args(self) -> dict:
        return {"owner": str(self.owner_id)} if self.owner_id is not None else {}


def _month_start(day: date, months_back: int = 0) -> date:
    month_index = day.year * 12 + day.month - 1 - months_back
    return date(month_index // 12, month_index % 12 + 1, 1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_for(key: str, today: date) -> Period:
    """A named period around ``today`` (whole months, quarters and years)."""
    this_month = _month_start(today)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    if key == "this_month":
        return Period(key, this_month, month_end(this_month))
    if key == "last_month":
        start = _month_start(today, 1)
        return Period(key, start, month_end(start))
    if key == "last_quarter":
        start = _month_start(quarter_start, 3)
        return Period(key, start, month_end(_month_start(quarter_start, 1)))
    if key == "this_year":
        return Period(key, date(today.year, 1, 1), date(today.year, 12, 31))
    if key == "last_12_months":
        return Period(key, _month_start(today, 11), month_end(this_month))
    return Period("this_quarter", quarter_start, month_end(_month_start(quarter_start, -2)))


def _parse_day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None
    return day if day and FIRST_YEAR <= day.year <= LAST_YEAR else None


def parse_filters(args, today: date, member_ids: set[int]) -> Filters:
    """The filters from the URL; anything unusable falls back to the default with a notice."""
    notices = []
    key = (args.get("period") or DEFAULT_PERIOD).strip()
    if key == "custom":
        raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
        start, end = _parse_day(raw_from), _parse_day(raw_to)
        if start is None or end is None:
            bad = raw_from if start is None else raw_to
            notices.append(f"Showing this quarter: “{bad[:40]}” is not a date like 2026-03-31. "
                           "Give both a from and a to date for a custom period." if bad else
                           "Showing this quarter: a custom period needs both a from and a to date.")
            period = period_for(DEFAULT_PERIOD, today)
        elif start > end:
            notices.append("Showing this quarter: the custom period’s from date is after its to date.")
            period = period_for(DEFAULT_PERIOD, today)
        else:
            period = Period("custom", start, end)
    elif key in dict(PERIODS):
        period = period_for(key, today)
    else:
        notices.append(f"Showing this quarter: “{key[:40]}” is not one of the periods.")
        period = period_for(DEFAULT_PERIOD, today)
    owner_id = None
    raw_owner = (args.get("owner") or "").strip()
    if raw_owner:
        if raw_owner.isdigit() and len(raw_owner) < 19 and int(raw_owner) in member_ids:
            owner_id = int(raw_owner)
        else:
            notices.append(f"Showing everyone’s figures: “{raw_owner[:40]}” is not a member of this organization.")
    return Filters(period, owner_id, notices)


# The figures

@dataclass
class Month:
    start: date | None  # None: open deals without an expected close date
    count: int
    value: Decimal
    weighted: Decimal

    @property
    def label(self) -> str:
        return self.start.strftime("%b %Y") if self.start else "No close date"


@dataclass
class Dashboard:
    customers: int | None = None
    active_leads: int | None = None
    leads_created: int | None = None
    leads_converted: int | None = None      # of those created in the period
    open_count: int | None = None
    pipeline_value: Decimal | None = None
    won_count: int | None = None            # closed in the period
    lost_count: int | None = None
    won_value: Decimal | None = None
    won_days: float | None = None           # sum of the won deals' cycles, in days
    forecast: list[Month] = field(default_factory=list)
    stages: list = field(default_factory=list)          # (id, name, count, value)
    sources: list = field(default_factory=list)         # (source or None, label, count)
    top_deals: list = field(default_factory=list)
    interactions: list = field(default_factory=list)

    @property
    def conversion_rate(self) -> Decimal | None:
        return percent(self.leads_converted, self.leads_created)

    @property
    def win_rate(self) -> Decimal | None:
        if self.won_count is None:
            return None
        return percent(self.won_count, self.won_count + self.lost_count)

    @property
    def average_deal(self) -> Decimal | None:
        if not self.won_count:
            return None
        return (self.won_value / self.won_count).quantize(CENT)

    @property
    def average_cycle_days(self) -> Decimal | None:
        if not self.won_count:
            return None
        return (Decimal(str(self.won_days)) / self.won_count).quantize(Decimal("0.1"))

    @property
    def weighted_total(self) -> Decimal:
        return sum((m.weighted for m in self.forecast), Decimal("0.00"))


def percent(part: int | None, whole: int | None) -> Decimal | None:
    """A share in percent to one decimal; None when there is nothing to divide by."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _money(amount) -> Decimal:
    return Decimal(str(amount or 0)).quantize(CENT)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _days_between(dialect: str, start, end):
    """Elapsed days between two moments, with the fraction (SQL)."""
    if dialect == "postgresql":
        return sa.extract("epoch", end - start) / 86400.0
    return sa.func.julianday(end) - sa.func.julianday(start)


def _month_start_sql(dialect: str, day_column):
    """The month of a date, for grouping (``date_trunc`` costs a third of ``to_char``)."""
    if dialect == "postgresql":
        return sa.func.date_trunc("month", day_column)
    return sa.func.strftime("%Y-%m", day_column)


def _owned(query, column, owned: bool):
    return query.where(column == sa.bindparam("owner_id")) if owned else query


# Each statement is built once per shape (dialect, owner filter, sections shown) with its
# values as parameters: building them took as long as running most of them. The
# organization's filter is added when a statement runs, as for any other.
statement = lru_cache(maxsize=64)


def compute(filters: Filters, zone, *, companies: bool, leads: bool, opportunities: bool,
            interactions: bool) -> Dashboard:
    """The dashboard's figures: one query for the headline numbers, then one per chart and list."""
    board = Dashboard()
    start, end = filters.period.moments(zone)
    dialect = _dialect()
    owned = filters.owner_id is not None
    params = {"start": start, "end": end, "owner_id": filters.owner_id}
    stages = db.session.execute(_stages_statement()).all() if opportunities else []
    open_stages = [s for s in stages if s.kind == "open"]
    params.update(won_ids=[s.id for s in stages if s.kind == "won"],
                  lost_ids=[s.id for s in stages if s.kind == "lost"], open_ids=[s.id for s in open_stages])
    _headline(board, dialect, owned, params, companies, leads, opportunities)
    if opportunities:
        _open_deals(board, dialect, owned, params, open_stages)
        board.top_deals = _top_deals(owned, params, open_stages)
    if leads:
        board.sources = _sources(owned, params)
    if interactions:
        board.interactions = _recent_interactions(owned, params)
    return board


@statement
def _stages_statement():
    """Every stage, in board order: the deal queries filter by these ids rather than join the
    stages, so the planner can pick an index on ``stage_id``, ``closed_at`` or ``value``."""
    return (sa.select(PipelineStage.id, PipelineStage.name, PipelineStage.kind, PipelineStage.probability)
            .order_by(PipelineStage.position, PipelineStage.id))


def _headline(board: Dashboard, dialect, owned, params, companies, leads, opportunities) -> None:
    query = _headline_statement(dialect, owned, companies, leads, opportunities)
    if query is None:
        return
    row = db.session.execute(query, params).one()._mapping
    for name, value in row.items():
        if name == "won_value":
            value = _money(value)
        elif name == "won_days":
            value = float(value or 0)
        setattr(board, name, value)


@statement
def _headline_statement(dialect, owned, companies, leads, opportunities):
    columns, froms = [], []
    start, end = sa.bindparam("start"), sa.bindparam("end")
    if companies:
        customers = _owned(sa.select(sa.func.count()).select_from(Company)
                           .where(Company.deleted_at.is_(None), Company.lifecycle_stage == "customer"),
                           Company.owner_id, owned)
        columns.append(customers.scalar_subquery().label("customers"))
    if leads:
        # Two index ranges, (org_id, status) and (org_id, created_at), rather than one scan of every lead.
        active = _owned(sa.select(sa.func.count().label("active_leads")).select_from(Lead)
                        .where(Lead.deleted_at.is_(None), Lead.status.in_(ACTIVE_LEAD_STATUSES)),
                        Lead.owner_id, owned)
        columns.append(active.scalar_subquery().label("active_leads"))
        created = _owned(sa.select(
            sa.func.count().label("leads_created"),
            sa.func.count().filter(Lead.status == "converted").label("leads_converted"))
            .select_from(Lead).where(Lead.deleted_at.is_(None), Lead.created_at >= start, Lead.created_at < end),
            Lead.owner_id, owned).subquery()
        columns.extend(created.c)
        froms.append(created)
    if opportunities:
        # Deals closed in the period only: a range of the (org_id, closed_at) index.
        won = Opportunity.stage_id.in_(sa.bindparam("won_ids", expanding=True))
        lost = Opportunity.stage_id.in_(sa.bindparam("lost_ids", expanding=True))
        deal_figures = _owned(sa.select(
            sa.func.count().filter(won).label("won_count"),
            sa.func.count().filter(lost).label("lost_count"),
            sa.func.sum(Opportunity.value).filter(won).label("won_value"),
            sa.func.sum(_days_between(dialect, Opportunity.created_at, Opportunity.closed_at))
            .filter(won).label("won_days"))
            .select_from(Opportunity)
            .where(Opportunity.deleted_at.is_(None), Opportunity.closed_at >= start, Opportunity.closed_at < end),
            Opportunity.owner_id, owned).subquery()
        columns.extend(deal_figures.c)
        froms.append(deal_figures)
    if not columns:
        return None
    query = sa.select(*columns)
    if froms:  # one row each: joined side by side
        joined = froms[0]
        for other in froms[1:]:
            joined = joined.join(other, sa.true())
        query = query.select_from(joined)
    return query


def _open_deals(board: Dashboard, dialect, owned, params, open_stages: list) -> None:
    """Open deals counted once, per stage and expected close month; the forecast, the stage
    figures and the pipeline totals are sums of these few rows (at most stages x months).

    The weighted value is the deals' own probabilities summed in SQL plus, for deals without
    one, their value times the stage's probability (known here): no join to the stages."""
    probability = {s.id: s.probability for s in open_stages}
    months: dict[date | None, list] = {}
    stages: dict[int, list] = {}
    for stage_id, start, count, value, own_weighted, unset_value in db.session.execute(
            _open_deals_statement(dialect, owned), params):
        value = Decimal(str(value or 0))
        weighted_sum = Decimal(str(own_weighted or 0)) + Decimal(str(unset_value or 0)) * probability[stage_id]
        for bucket in (months.setdefault(_as_month(start), [0, Decimal(0), Decimal(0)]),
                       stages.setdefault(stage_id, [0, Decimal(0), Decimal(0)])):
            bucket[0] += count
            bucket[1] += value
            bucket[2] += weighted_sum
    board.forecast = sorted((Month(k, n, _money(v), (w / 100).quantize(CENT)) for k, (n, v, w) in months.items()),
                            key=lambda m: (m.start is None, m.start or date.min))
    board.open_count = sum(n for n, _, _ in stages.values())
    board.pipeline_value = _money(sum((v for _, v, _ in stages.values()), Decimal(0)))
    board.stages = [(s.id, s.name, stages.get(s.id, [0])[0], _money(stages.get(s.id, [0, 0])[1]))
                    for s in open_stages]


@statement
def _open_deals_statement(dialect, owned):
    month = _month_start_sql(dialect, Opportunity.expected_close_on).label("month")
    return _owned(sa.select(Opportunity.stage_id, month, sa.func.count(), sa.func.sum(Opportunity.value),
                            sa.func.sum(Opportunity.value * Opportunity.probability),
                            sa.func.sum(Opportunity.value).filter(Opportunity.probability.is_(None)))
                  .where(Opportunity.deleted_at.is_(None),
                         Opportunity.stage_id.in_(sa.bindparam("open_ids", expanding=True)))
                  .group_by(Opportunity.stage_id, month), Opportunity.owner_id, owned)


def _as_month(value) -> date | None:
    """The first day of a month from ``date_trunc`` (PostgreSQL) or "YYYY-MM" (SQLite)."""
    if value is None:
        return None
    if isinstance(value, str):
        return date(int(value[:4]), int(value[5:7]), 1)
    return date(value.year, value.month, 1)


def _sources(owned, params) -> list:
    """Leads created in the period per source, most first."""
    rows = db.session.execute(_sources_statement(owned), params)
    found = sorted(((source, n) for source, n in rows), key=lambda r: (-r[1], r[0] is None, r[0] or ""))
    return [(source, source_label(source), n) for source, n in found]


@statement
def _sources_statement(owned):
    return _owned(sa.select(Lead.source, sa.func.count().label("count"))
                  .where(Lead.deleted_at.is_(None), Lead.created_at >= sa.bindparam("start"),
                         Lead.created_at < sa.bindparam("end"))
                  .group_by(Lead.source), Lead.owner_id, owned)


def source_label(source: str | None) -> str:
    return source.replace("_", " ").capitalize() if source else "No source"


def _top_deals(owned, params, open_stages: list) -> list:
    """The biggest open deals; among equal values the likelier one first. The five are chosen
    from the deals alone (down the (org_id, value) index), then their company and owner are
    joined to those five rows."""
    names = {s.id: s.name for s in open_stages}
    stage_params = {f"stage_{i}": s.id for i, s in enumerate(open_stages)}
    stage_params.update({f"probability_{i}": s.probability for i, s in enumerate(open_stages)})
    rows = db.session.execute(_top_deals_statement(owned, len(open_stages)), {**params, **stage_params}).all()
    return [TopDeal(r.id, r.name, _money(r.value), r.probability,
                    (Decimal(str(r.weighted_cents or 0)) / 100).quantize(CENT), r.expected_close_on,
                    names[r.stage_id], r.company_name, r.owner_name) for r in rows]


@statement
def _top_deals_statement(owned, open_stage_count):
    stage_probability = sa.case(*((Opportunity.stage_id == sa.bindparam(f"stage_{i}", type_=sa.BigInteger),
                                   sa.bindparam(f"probability_{i}", type_=sa.Integer))
                                  for i in range(open_stage_count))) if open_stage_count else sa.null()
    probability = sa.func.coalesce(Opportunity.probability, stage_probability)
    weighted = (Opportunity.value * probability).label("weighted_cents")
    top = _owned(sa.select(Opportunity.id, Opportunity.name, Opportunity.value, Opportunity.expected_close_on,
                           Opportunity.stage_id, Opportunity.company_id, Opportunity.owner_id,
                           probability.label("probability"), weighted)
                 .where(Opportunity.deleted_at.is_(None),
                        Opportunity.stage_id.in_(sa.bindparam("open_ids", expanding=True)))
                 .order_by(Opportunity.value.desc(), weighted.desc(), Opportunity.id)
                 .limit(TOP_DEALS), Opportunity.owner_id, owned).subquery()
    return (sa.select(top, Company.name.label("company_name"), User.name.label("owner_name"))
            .outerjoin(Company, sa.and_(Company.id == top.c.company_id, Company.deleted_at.is_(None)))
            .outerjoin(User, User.id == top.c.owner_id)
            .order_by(top.c.value.desc(), top.c.weighted_cents.desc(), top.c.id))


@dataclass
class TopDeal:
    id: int
    name: str
    value: Decimal
    probability: int
    weighted: Decimal
    expected_close_on: date | None
    stage_name: str
    company_name: str | None
    owner_name: str | None


@dataclass
class RecentInteraction:
    id: int
    kind: str
    subject: str
    occurred_at: datetime
    user_name: str | None
    # The record it belongs to: (endpoint, id argument name, id, name), or None.
    record: tuple | None


def _recent_interactions(owned, params) -> list[RecentInteraction]:
    rows = db.session.execute(_recent_interactions_statement(owned), params).all()
    return [RecentInteraction(r.id, r.kind, r.subject, clock.aware(r.occurred_at), r.user_name, _record_of(r))
            for r in rows]


@statement
def _recent_interactions_statement(owned):
    """The latest interactions with the live record each belongs to, in one statement: the ten
    rows are chosen first, then each record's name is looked up by primary key (a subquery per
    column; joining the four record tables cost more to plan than the whole query to run)."""
    latest = _owned(sa.select(Interaction.id, Interaction.kind, Interaction.subject, Interaction.occurred_at,
                              Interaction.user_id, Interaction.opportunity_id, Interaction.contact_id,
                              Interaction.lead_id, Interaction.company_id)
                    .where(Interaction.deleted_at.is_(None))
                    .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
                    .limit(RECENT_INTERACTIONS), Interaction.user_id, owned).subquery()

    def live(model, column, value):
        return sa.select(value).where(model.id == column, model.deleted_at.is_(None)).scalar_subquery()

    blank = sa.literal("")
    return (sa.select(latest, User.name.label("user_name"),
                      live(Opportunity, latest.c.opportunity_id, Opportunity.name).label("opportunity_name"),
                      live(Contact, latest.c.contact_id, sa.func.coalesce(Contact.first_name, blank) + " "
                           + sa.func.coalesce(Contact.last_name, blank)).label("contact_name"),
                      live(Lead, latest.c.lead_id, Lead.id).label("lead_live"),
                      live(Lead, latest.c.lead_id, Lead.first_name).label("lead_first"),
                      live(Lead, latest.c.lead_id, Lead.last_name).label("lead_last"),
                      live(Lead, latest.c.lead_id, Lead.email).label("lead_email"),
                      live(Company, latest.c.company_id, Company.name).label("company_name"))
            .outerjoin(User, User.id == latest.c.user_id)
            .order_by(latest.c.occurred_at.desc(), latest.c.id.desc()))


def _record_of(row) -> tuple | None:
    """The most specific live record an interaction is about: the deal, else the contact, lead or company."""
    if row.opportunity_name is not None:
        return ("opportunities.opportunities_show", "opportunity_id", row.opportunity_id, row.opportunity_name)
    if row.contact_name is not None:
        return ("contacts.contacts_show", "contact_id", row.contact_id, row.contact_name.strip() or "(no name)")
    if row.lead_live is not None:
        return ("leads.leads_show", "lead_id", row.lead_id, lead_name(row.lead_first, row.lead_last, row.lead_email))
    if row.company_name is not None:
        return ("companies.companies_show", "company_id", row.company_id, row.company_name)
    return None


def percent_text(value: Decimal) -> str:
    """ "40 %" or "33.3 %"."""
    return f"{value:.0f} %" if value == value.to_integral_value() else f"{value:.1f} %"
