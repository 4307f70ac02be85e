"""Demo pipeline: products, opportunities in every stage with their history and line items,
and the leads they were converted from (part of ``flask crm seed-demo``).

Deals are spread over the last eighteen months so that the dashboard's periods, win rate and
sales cycle have something to show; companies with a won deal become customers.
"""

import random
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal

import sqlalchemy as sa

from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Contact
from crm.models import Lead
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.models import OpportunityStageChange
from crm.models import PipelineStage
from crm.models import Product

COUNT = 150
CENT = Decimal("0.01")
PRODUCTS = (
    ("Starter plan, annual seat", "PLAN-STARTER", "240.00"), ("Team plan, annual seat", "PLAN-TEAM", "480.00"),
    ("Business plan, annual seat", "PLAN-BUSINESS", "960.00"), ("Enterprise plan, annual seat", "PLAN-ENTERPRISE", "1800.00"),
    ("Onboarding package", "SVC-ONBOARD", "2500.00"), ("Data migration", "SVC-MIGRATE", "4000.00"),
    ("Custom integration, per day", "SVC-INTEGRATION", "1200.00"), ("Training workshop", "SVC-TRAINING", "1500.00"),
    ("Premium support, annual", "SUP-PREMIUM", "6000.00"), ("Reporting add-on, annual", "ADD-REPORTS", "3000.00"),
    ("API access add-on, annual", "ADD-API", "2400.00"), ("Legacy plan, annual seat", "PLAN-LEGACY", "300.00"),
)
DEAL_KINDS = ("New business", "Expansion", "Renewal", "Pilot", "Upgrade", "Multi-year agreement")
WON_REASONS = ("Best fit for their reporting needs", "Price and the annual plan", "Strong reference customer",
               "Fast onboarding promise", "Integration with their ERP")
LOST_REASONS = ("Went with a cheaper competitor", "Budget cut this year", "No decision, project shelved",
                "Missing a feature they need", "Chose to build it in-house")
COMPETITORS = ("Acme CRM", "Pipedrive-like tool", "Spreadsheet", "In-house tool", None, None, None)
SOURCES = ("website", "referral", "event", "webinar", "cold_call", "partner", "advertising")


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class _Deals:
    def __init__(self, rng: random.Random, now: datetime, today, owners: list[int], stages: list[PipelineStage]):
        self.rng, self.now, self.today, self.owners = rng, now, today, owners
        self.open = [s for s in stages if s.kind == "open"]
        self.won = next(s for s in stages if s.kind == "won")
        self.lost = next(s for s in stages if s.kind == "lost")
        self.history: list[OpportunityStageChange] = []
        self.events: list[ActivityEvent] = []

    def when(self, earliest_days_ago: int, latest_days_ago: int = 0) -> datetime:
        days = self.rng.uniform(latest_days_ago, earliest_days_ago)
        moment = self.now - timedelta(days=days)
        return min(moment.replace(hour=self.rng.randint(8, 17), minute=self.rng.choice((0, 15, 30, 45)), second=0,
                                  microsecond=0), self.now)

    def opportunity(self, company: Company, contact: Contact | None) -> Opportunity:
        rng = self.rng
        roll = rng.random()
        stage = rng.choice(self.open) if roll < 0.45 else self.won if roll < 0.8 else self.lost
        if stage.kind == "open":
            created = self.when(150, 2)
            entered = created + (self.now - created) * rng.uniform(0.2, 0.9)
            closed, close_on = None, self.today + timedelta(days=rng.randint(-10, 150))
        else:
            created = self.when(540, 20)
            cycle = timedelta(days=rng.randint(12, 110), hours=rng.randint(0, 8))
            closed = min(created + cycle, self.now - timedelta(hours=1))
            entered, close_on = closed, closed.date()
        owner = company.owner_id if company.owner_id in self.owners and rng.random() < 0.7 else rng.choice(self.owners)
        return Opportunity(
            name=f"{company.name} - {rng.choice(DEAL_KINDS)}", company_id=company.id,
            contact_id=contact.id if contact else None, stage_id=stage.id, value=Decimal("0"),
            probability=rng.choice((10, 30, 60, 90)) if stage.kind == "open" and rng.random() < 0.1 else None,
            expected_close_on=close_on, source=rng.choice(SOURCES), owner_id=owner,
            competitor=rng.choice(COMPETITORS),
            close_reason=rng.choice(WON_REASONS if stage.kind == "won" else LOST_REASONS) if closed else None,
            closed_at=closed, stage_entered_at=entered, created_at=created, updated_at=entered, created_by_id=owner)

    def line_items(self, deal: Opportunity, products: list[Product]) -> list[OpportunityLineItem]:
        rng = self.rng
        items = []
        for position, product in enumerate(rng.sample(products, rng.randint(1, 3))):
            seats = product.sku.startswith("PLAN-")
            items.append(OpportunityLineItem(
                opportunity_id=deal.id, product_id=product.id, name=product.name, position=position,
                quantity=Decimal(rng.choice((5, 10, 20, 25, 50, 100)) if seats else rng.choice((1, 1, 2, 3))),
                unit_price=product.unit_price, discount_percent=Decimal(rng.choice((0, 0, 0, 5, 10, 15))),
                created_at=deal.created_at))
        return items

    def path(self, deal: Opportunity, stage: PipelineStage) -> None:
        """The moves that brought the deal to its stage, evenly spread from creation to the last move."""
        if stage.kind == "open":
            steps = self.open[:self.open.index(stage) + 1]
        else:
            steps = self.open[:self.rng.randint(1, len(self.open))] + [stage]
        end = deal.closed_at or deal.stage_entered_at
        previous = None
        for i, step in enumerate(steps):
            at = deal.created_at + (end - deal.created_at) * (i / max(len(steps) - 1, 1))
            self.history.append(OpportunityStageChange(
                opportunity_id=deal.id, from_stage_id=previous.id if previous else None, to_stage_id=step.id,
                from_stage_name=previous.name if previous else None, to_stage_name=step.name,
                moved_by_id=deal.owner_id, moved_at=at,
                note=deal.close_reason if step.kind != "open" else None))
            previous = step
        self.events.append(ActivityEvent(kind="opportunity.created", summary=f"Opportunity {deal.name} created"[:300],
                                         occurred_at=deal.created_at, actor_id=deal.owner_id,
                                         company_id=deal.company_id, opportunity_id=deal.id))
        if deal.closed_at:
            self.events.append(ActivityEvent(
                kind=f"opportunity.{stage.kind}", summary=f"Opportunity {deal.name} {stage.kind}: {deal.close_reason}"[:300],
                occurred_at=deal.closed_at, actor_id=deal.owner_id, company_id=deal.company_id, opportunity_id=deal.id))


def seed_demo_pipeline(rng: random.Random, now: datetime, today, owners: list[int], companies: list[Company],
                       contacts: list[Contact], leads: list[Lead]) -> dict[str, int]:
    """Products, opportunities with history and line items, converted leads linked to theirs."""
    stages = db.session.scalars(sa.select(PipelineStage).order_by(PipelineStage.position, PipelineStage.id)).all()
    products = [Product(name=name, sku=sku, unit_price=Decimal(price), active=sku != "PLAN-LEGACY",
                        created_at=now - timedelta(days=600), updated_at=now - timedelta(days=600))
                for name, sku, price in PRODUCTS]
    db.session.add_all(products)
    build = _Deals(rng, now, today, owners, stages)
    by_company: dict[int, list[Contact]] = {}
    for contact in contacts:
        if contact.company_id:
            by_company.setdefault(contact.company_id, []).append(contact)
    with_people = [c for c in companies if c.id in by_company]
    deals = []
    for _ in range(COUNT):
        company = rng.choice(with_people)
        deals.append(build.opportunity(company, rng.choice(by_company[company.id])))
    db.session.add_all(deals)
    db.session.flush()

    stage_of = {s.id: s for s in stages}
    active = [p for p in products if p.active]
    items = []
    for deal in deals:
        if rng.random() < 0.6:
            lines = build.line_items(deal, active)
            items += lines
            deal.value = sum((_money(i.quantity * i.unit_price * (1 - i.discount_percent / 100)) for i in lines), Decimal("0"))
        else:
            deal.value = _money(rng.randrange(1_000, 80_000, 250))
        build.path(deal, stage_of[deal.stage_id])
        if stage_of[deal.stage_id].kind == "won":
            company = next(c for c in companies if c.id == deal.company_id)
            company.lifecycle_stage = "customer"

    converted = [lead for lead in leads if lead.status == "converted"]
    for lead, deal in zip(converted, deals):
        lead.created_at = min(lead.created_at, deal.created_at - timedelta(days=rng.randint(3, 40)))
        lead.budget = deal.value
        lead.authority = "Signs off purchases up to the budget"
        lead.need = "Replace spreadsheets for pipeline tracking"
        lead.timeline = "This quarter"
        lead.qualified_at = deal.created_at - timedelta(days=1)
        lead.converted_at = deal.created_at
        lead.converted_company_id, lead.converted_contact_id = deal.company_id, deal.contact_id
        lead.converted_opportunity_id = deal.id
        deal.lead_id = lead.id
    for lead in leads:
        if lead.status == "qualified":  # ready to convert: qualifying needs all four answers
            lead.budget = _money(rng.randrange(2_000, 60_000, 500))
            lead.authority = rng.choice(("Signs off purchases up to the budget", "Needs the CFO's approval",
                                         "Decides with the operations director"))
            lead.need = rng.choice(("Replace spreadsheets for pipeline tracking", "One view of every customer",
                                    "Forecasts the board can trust"))
            lead.timeline = rng.choice(("This quarter", "Next quarter", "Before the renewal in spring"))
            lead.qualified_at = min(lead.created_at + timedelta(days=rng.randint(1, 20)), now)
    db.session.add_all([*items, *build.history, *build.events])
    db.session.flush()
    return {"products": len(products), "opportunities": len(deals), "line_items": len(items),
            "stage_changes": len(build.history)}
