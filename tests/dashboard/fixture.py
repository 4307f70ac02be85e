"""A small organization whose every dashboard figure was worked out by hand (tests/dashboard/
test_figures.py holds the expected values and the arithmetic in comments).

Organization A ("acme") is in New York (UTC-4 in summer, DST from 8 March 2026), counts in EUR,
and the clock stands at 2026-05-20 15:00 UTC (11:00 in New York): this quarter is
1 April - 30 June 2026, last quarter 1 January - 31 March 2026.
"""

from datetime import date
from datetime import datetime
from datetime import timezone
from decimal import Decimal

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Interaction
from crm.models import Lead
from crm.models import Opportunity
from crm.models import Organization
from crm.models import PipelineStage
from crm.models import User
from tests.helpers import tenant

NOW = datetime(2026, 5, 20, 15, 0, tzinfo=timezone.utc)
REP = "sales.rep@acme.example"
MANAGER = "sales.manager@acme.example"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def freeze() -> None:
    clock.travel(NOW - clock.now())


def user_id(email: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def stage_ids(org) -> dict[str, int]:
    with tenant(org):
        return {s.name: s.id for s in db.session.scalars(sa.select(PipelineStage))}


def build(org) -> dict:
    """Deals, leads, companies and interactions of organization A; returns ids tests need."""
    org_row = db.session.get(Organization, org.id)
    org_row.timezone, org_row.currency = "America/New_York", "EUR"
    db.session.commit()
    ids = {}
    with tenant(org):
        rep, manager = user_id(REP), user_id(MANAGER)
        stages = {s.name: s.id for s in db.session.scalars(sa.select(PipelineStage))}

        def deal(name, stage, value, owner, created, closed=None, probability=None, close_on=None, deleted=False):
            row = Opportunity(name=name, stage_id=stages[stage], value=Decimal(value), owner_id=owner,
                              created_at=created, closed_at=closed, probability=probability,
                              expected_close_on=close_on, deleted_at=NOW if deleted else None)
            db.session.add(row)
            db.session.flush()
            ids[name] = row.id

        may = utc(2026, 5, 1)
        # Open deals (weighted = value x probability: the override, else the stage's)
        deal("Alpha", "Prospecting", "1000.00", rep, may, close_on=date(2026, 5, 15))          # 10 %: 100.00
        deal("Bravo", "Proposal", "4000.00", manager, may, close_on=date(2026, 6, 10))         # 50 %: 2000.00
        deal("Charlie", "Negotiation", "2500.50", rep, may, probability=40,
             close_on=date(2026, 6, 30))                                                       # 40 %: 1000.20
        deal("Delta", "Qualification", "4000.00", None, may)                                   # 25 %: 1000.00
        deal("Echo", "Proposal", "300.00", rep, may, close_on=date(2026, 7, 1))                # 50 %: 150.00
        deal("Foxtrot", "Negotiation", "4000.00", manager, may, probability=90,
             close_on=date(2026, 5, 31))                                                       # 90 %: 3600.00
        deal("Ghost", "Proposal", "99999.00", rep, may, close_on=date(2026, 5, 20), deleted=True)
        # Won and lost deals
        deal("Won 1", "Closed Won", "6000.00", rep, utc(2026, 3, 1, 12), utc(2026, 4, 10, 12))      # 40 days
        deal("Won 2", "Closed Won", "2000.00", manager, utc(2026, 4, 1), utc(2026, 5, 11, 14, 24))  # 40.6 days
        deal("Won 3", "Closed Won", "1500.00", rep, utc(2026, 1, 10), utc(2026, 2, 9))             # 30 days
        # 2026-04-01 02:00 UTC is 31 March 22:00 in New York: last quarter. 31 days 2 hours.
        deal("Won 4", "Closed Won", "700.00", rep, utc(2026, 3, 1), utc(2026, 4, 1, 2))
        deal("Won deleted", "Closed Won", "50000.00", rep, utc(2026, 4, 1), utc(2026, 4, 15), deleted=True)
        deal("Lost 1", "Closed Lost", "800.00", rep, utc(2026, 4, 1), utc(2026, 4, 20, 12))
        deal("Lost 2", "Closed Lost", "900.00", rep, utc(2026, 4, 1), utc(2026, 5, 1, 12))
        deal("Lost 3", "Closed Lost", "100.00", manager, utc(2026, 2, 1), utc(2026, 3, 15, 12))

        def lead(name, source, status, owner, created, deleted=False):
            row = Lead(first_name=name, last_name="Lead", source=source, status=status, owner_id=owner,
                       created_at=created, converted_at=created if status == "converted" else None,
                       deleted_at=NOW if deleted else None)
            db.session.add(row)

        lead("Lina", "website", "new", rep, utc(2026, 4, 5))
        lead("Lars", "website", "converted", rep, utc(2026, 4, 10))
        lead("Rita", "referral", "working", manager, utc(2026, 5, 2))
        lead("Rolf", "referral", "converted", manager, utc(2026, 5, 3))
        lead("Nora", None, "unqualified", manager, utc(2026, 5, 4))
        lead("Erik", "event", "qualified", None, utc(2026, 5, 10))
        lead("Wim", "website", "converted", rep, utc(2026, 2, 1))
        lead("Eva", "event", "new", rep, utc(2026, 3, 1))
        lead("Web", "webinar", "new", manager, utc(2026, 4, 1, 3))  # 31 March 23:00 in New York
        lead("Gone", "website", "new", rep, utc(2026, 4, 15), deleted=True)

        def company(name, stage, owner, deleted=False):
            row = Company(name=name, lifecycle_stage=stage, owner_id=owner, deleted_at=NOW if deleted else None)
            db.session.add(row)
            db.session.flush()
            ids[name] = row.id

        company("Customer One", "customer", rep)
        company("Customer Two", "customer", rep)
        company("Customer Three", "customer", manager)
        company("Former Customer", "customer", rep, deleted=True)
        company("Prospect Co", "prospect", rep)

        for i in range(1, 13):
            db.session.add(Interaction(
                kind="call", subject=f"Call {i}", occurred_at=utc(2026, 5, 1, i), user_id=rep if i % 2 == 0 else manager,
                opportunity_id=ids["Charlie"] if i == 12 else None, company_id=ids["Customer One"] if i == 11 else None))
        db.session.add(Interaction(kind="call", subject="Deleted call", occurred_at=utc(2026, 5, 2), user_id=rep,
                                   deleted_at=NOW))
        db.session.commit()
    ids.update(stages=stages)
    return ids


def build_other(org) -> None:
    """Organization B's rows: big numbers that would show if they leaked into A's dashboard."""
    with tenant(org):
        stages = {s.name: s.id for s in db.session.scalars(sa.select(PipelineStage))}
        db.session.add_all([
            Opportunity(name="Bravo GmbH deal", stage_id=stages["Proposal"], value=Decimal("77777.00"),
                        created_at=utc(2026, 5, 1), expected_close_on=date(2026, 5, 10)),
            Opportunity(name="Bravo win", stage_id=stages["Closed Won"], value=Decimal("55555.00"),
                        created_at=utc(2026, 4, 1), closed_at=utc(2026, 4, 2)),
            Lead(first_name="Bert", last_name="Bravo", source="website", status="new", created_at=utc(2026, 5, 1)),
            Company(name="Bravo customer", lifecycle_stage="customer"),
            Interaction(kind="email", subject="Bravo mail", occurred_at=utc(2026, 5, 3)),
        ])
        db.session.commit()
