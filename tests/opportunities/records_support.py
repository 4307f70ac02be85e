"""Factories for the opportunity record tests: a small pipeline of deals with known figures."""

from datetime import date
from datetime import datetime
from datetime import timezone
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import Opportunity
from crm.models import PipelineStage
from crm.models import User
from tests.helpers import tenant


def stages_by_kind() -> dict[str, list[PipelineStage]]:
    found: dict[str, list[PipelineStage]] = {"open": [], "won": [], "lost": []}
    for stage in db.session.scalars(sa.select(PipelineStage).order_by(PipelineStage.position)):
        found[stage.kind].append(stage)
    return found


def user_id(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def deal(name: str, stage: PipelineStage, **fields) -> Opportunity:
    opportunity = Opportunity(name=name, stage_id=stage.id, value=Decimal(fields.pop("value", "0")), **fields)
    db.session.add(opportunity)
    return opportunity


def make_pipeline(org) -> SimpleNamespace:
    """Six deals: open ones in two stages, won and lost ones closed on either side of New
    Year in the organization's timezone (New York), owners, sources and close dates."""
    rep = user_id("sales.rep@acme.example")
    manager = user_id("sales.manager@acme.example")
    with tenant(org):
        stages = stages_by_kind()
        first, second = stages["open"][0], stages["open"][1]
        won, lost = stages["won"][0], stages["lost"][0]
        company = Company(name="Globex Corporation")
        db.session.add(company)
        db.session.flush()
        contact = Contact(first_name="Hank", last_name="Scorpio", company_id=company.id)
        db.session.add(contact)
        db.session.flush()
        deals = {
            "alpha": deal("Alpha renewal", first, value="1000", owner_id=rep, source="website", company_id=company.id,
                          contact_id=contact.id, expected_close_on=date(2026, 2, 10)),
            "bravo": deal("Bravo expansion", second, value="2500.50", owner_id=manager, source="referral",
                          probability=90, expected_close_on=date(2026, 3, 31)),
            "charlie": deal("Charlie pilot", first, value="300", source="event"),
            # 2026-01-01 03:00 UTC is still New Year's Eve in New York.
            "delta": deal("Delta won late December", won, value="5000", owner_id=rep, close_reason="Price",
                          closed_at=datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc), expected_close_on=date(2025, 12, 31)),
            "echo": deal("Echo won in January", won, value="700", owner_id=rep, close_reason="Fit",
                          closed_at=datetime(2026, 1, 15, 15, 0, tzinfo=timezone.utc), expected_close_on=date(2026, 1, 15)),
            "foxtrot": deal("Foxtrot lost", lost, value="900", owner_id=manager, close_reason="Budget",
                            closed_at=datetime(2026, 3, 31, 20, 0, tzinfo=timezone.utc)),
        }
        db.session.flush()
        ids = {key: o.id for key, o in deals.items()}
        result = SimpleNamespace(ids=ids, company=company.id, contact=contact.id, rep=rep, manager=manager,
                                 first=first.id, second=second.id, won=won.id, lost=lost.id,
                                 first_probability=first.probability, second_probability=second.probability)
        from crm.models import Organization

        db.session.get(Organization, org.id).timezone = "America/New_York"
        db.session.commit()
        return result
