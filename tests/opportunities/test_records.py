"""Opportunities as records: what the create and edit rules accept and refuse."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import Opportunity
from crm.models import PipelineStage
from crm.services import ServiceError
from crm.services import opportunities as service
from tests.helpers import tenant


def _stages():
    return db.session.scalars(sa.select(PipelineStage).order_by(PipelineStage.position)).all()


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity))


def test_create_defaults_to_first_open_stage_and_its_probability(org_a):
    with tenant(org_a):
        opportunity = service.create_opportunity({"name": "Big deal", "value": "1,200.50"})
        first_open = next(s for s in _stages() if s.kind == "open")
        assert opportunity.stage_id == first_open.id
        assert opportunity.value == Decimal("1200.50")
        assert opportunity.probability is None
        assert service.effective_probability(opportunity, first_open) == first_open.probability
        db.session.commit()


def test_a_deal_created_in_a_won_stage_makes_its_company_a_customer(org_a):
    with tenant(org_a):
        company = Company(name="Initech", lifecycle_stage="sql")
        db.session.add(company)
        db.session.flush()
        won = next(s for s in _stages() if s.kind == "won")
        service.create_opportunity({"name": "Signed", "stage_id": str(won.id), "company_id": str(company.id),
                                    "value": "500", "close_reason": "Signed at the trade show"})
        assert company.lifecycle_stage == "customer"
        db.session.commit()


def test_probability_override_wins_over_the_stage(org_a):
    with tenant(org_a):
        stage = _stages()[1]
        opportunity = service.create_opportunity({"name": "Deal", "stage_id": str(stage.id), "probability": "35",
                                                  "value": "1000"})
        assert service.effective_probability(opportunity, stage) == 35
        assert service.weighted_value(opportunity, stage) == Decimal("350.00")
        service.update_opportunity(opportunity, {"probability": ""})
        assert service.effective_probability(opportunity, stage) == stage.probability


@pytest.mark.parametrize("values, field, words", [
    ({"name": "X", "value": "-5"}, "value", "cannot be negative"),
    ({"name": "X", "value": "abc"}, "value", "as a number"),
    ({"name": "X", "value": "1.234"}, "value", "2 decimals"),
    ({"name": "X", "value": "1e400"}, "value", "as a number"),
    ({"name": "X", "value": "99999999999999999"}, "value", "too large"),
    ({"name": "X", "value": "9" * 30 + ".5"}, "value", "too large"),
    ({"name": "X", "probability": "101"}, "probability", "0 to 100"),
    ({"name": "X", "probability": "-1"}, "probability", "0 to 100"),
    ({"name": "X", "probability": "half"}, "probability", "0 to 100"),
    ({"name": "X", "expected_close_on": "next week"}, "expected_close_on", "2026-03-31"),
    ({"name": "X", "expected_close_on": "2026-02-30"}, "expected_close_on", "2026-03-31"),
    ({"name": ""}, "name", "Enter the name"),
    ({"name": "X\x00"}, "name", "control character"),
    ({"name": "X", "source": "pigeon"}, "source", "from the list"),
    ({"name": "X", "owner_id": "999999"}, "owner_id", "owner"),
    ({"name": "X", "stage_id": "abc"}, "stage_id", "Choose one of your pipeline's stages."),
    ({"name": "X", "company_id": "99999999999999999999"}, "company_id", "not in this organization"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(org_a, values, field, words):
    with tenant(org_a):
        with pytest.raises(ServiceError) as error:
            service.create_opportunity(values)
        assert error.value.field == field
        assert words in error.value.message
        db.session.rollback()
        assert _count() == 0


def test_another_organizations_stage_company_and_contact_are_refused(org_a, org_b):
    with tenant(org_b):
        stage_b = _stages()[0].id
        company = Company(name="Bravo customer")
        db.session.add(company)
        db.session.flush()
        contact = Contact(first_name="Bea", last_name="B", company_id=company.id)
        db.session.add(contact)
        db.session.commit()
        company_b, contact_b = company.id, contact.id
    with tenant(org_a):
        for values, field, message in (
                ({"stage_id": str(stage_b)}, "stage_id", "Choose one of your pipeline's stages."),
                ({"company_id": str(company_b)}, "company_id", "not in this organization"),
                ({"contact_id": str(contact_b)}, "contact_id", "not in this organization")):
            with pytest.raises(ServiceError) as error:
                service.create_opportunity({"name": "Steal", **values})
            assert error.value.field == field and message in error.value.message
            db.session.rollback()
        assert _count() == 0


def test_contact_must_work_at_the_company(org_a):
    with tenant(org_a):
        one, two = Company(name="One"), Company(name="Two")
        db.session.add_all([one, two])
        db.session.flush()
        contact = Contact(first_name="Ada", last_name="L", company_id=two.id)
        db.session.add(contact)
        db.session.flush()
        with pytest.raises(ServiceError) as error:
            service.create_opportunity({"name": "D", "company_id": str(one.id), "contact_id": str(contact.id)})
        assert error.value.field == "contact_id" and "does not work at" in error.value.message
        opportunity = service.create_opportunity({"name": "D", "company_id": str(two.id),
                                                  "contact_id": str(contact.id)})
        assert opportunity.contact_id == contact.id


def test_days_in_pipeline_counts_to_closing_or_today(org_a):
    with tenant(org_a):
        opportunity = service.create_opportunity({"name": "D"})
        created = opportunity.created_at.date()
        assert service.days_in_pipeline(opportunity, date.fromordinal(created.toordinal() + 10)) == 10
        opportunity.closed_at = opportunity.created_at.replace(day=1) if created.day > 1 else opportunity.created_at
        assert service.days_in_pipeline(opportunity, date.fromordinal(created.toordinal() + 10)) == created.day - 1
