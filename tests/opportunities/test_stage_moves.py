"""Stage moves: history, reasons, closing and reopening, totals, and what a won deal changes."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import Opportunity
from crm.models import OpportunityStageChange
from crm.models import PipelineStage
from crm.services import ServiceError
from crm.services import pipeline
from crm.services import stage_moves
from tests.helpers import tenant


def stages() -> dict[str, PipelineStage]:
    return {s.name: s for s in pipeline.list_stages()}


def make_deal(name="Deal", stage="Prospecting", value="1000", probability=None, company_id=None, owner_id=None):
    opportunity = Opportunity(name=name, stage_id=stages()[stage].id, value=Decimal(value), probability=probability,
                              company_id=company_id, owner_id=owner_id, stage_entered_at=clock.now())
    db.session.add(opportunity)
    db.session.flush()
    stage_moves.record_initial_stage(opportunity)
    return opportunity


def history(opportunity) -> list[tuple]:
    return db.session.execute(
        sa.select(OpportunityStageChange.from_stage_name, OpportunityStageChange.to_stage_name,
                  OpportunityStageChange.note)
        .where(OpportunityStageChange.opportunity_id == opportunity.id)
        .order_by(OpportunityStageChange.id)).all()


def test_every_move_leaves_a_history_row_and_a_timeline_line(org_a):
    with tenant(org_a):
        deal = make_deal()
        clock.travel(timedelta(days=3))
        change = stage_moves.move_opportunity(deal, str(stages()["Proposal"].id), note="Sent the quote")
        db.session.commit()
        assert (change.from_stage_name, change.to_stage_name) == ("Prospecting", "Proposal")
        assert history(deal) == [(None, "Prospecting", None), ("Prospecting", "Proposal", "Sent the quote")]
        assert deal.stage_id == stages()["Proposal"].id
        assert clock.aware(deal.stage_entered_at) == clock.aware(change.moved_at)
        events = db.session.scalars(sa.select(ActivityEvent.summary)
                                    .where(ActivityEvent.opportunity_id == deal.id)).all()
        assert "Moved from Prospecting to Proposal" in events


def test_the_history_partial_data_reads_newest_first_with_names_kept_after_a_rename(org_a):
    with tenant(org_a):
        deal = make_deal()
        stage_moves.move_opportunity(deal, stages()["Proposal"].id)
        stage_moves.move_opportunity(deal, stages()["Negotiation"].id, note="Legal review")
        stages()["Proposal"].name = "Quote sent"
        db.session.commit()
        rows = stage_moves.history_for(deal)
        assert [(r.from_name, r.to_name, r.note) for r in rows] == [
            ("Proposal", "Negotiation", "Legal review"), ("Prospecting", "Proposal", None), (None, "Prospecting", None)]


def test_moving_to_the_same_stage_changes_nothing(org_a):
    with tenant(org_a):
        deal = make_deal()
        assert stage_moves.move_opportunity(deal, stages()["Prospecting"].id) is None
        assert len(history(deal)) == 1


@pytest.mark.parametrize("kind, stage", [("won", "Closed Won"), ("lost", "Closed Lost")])
def test_closing_needs_a_reason(org_a, kind, stage):
    with tenant(org_a):
        deal = make_deal()
        for reason in (None, "", "   "):
            with pytest.raises(ServiceError) as refused:
                stage_moves.move_opportunity(deal, stages()[stage].id, reason=reason)
            assert refused.value.message == f"Say why the deal was {kind}."
            assert refused.value.field == "reason"
        assert deal.closed_at is None and len(history(deal)) == 1
        stage_moves.move_opportunity(deal, stages()[stage].id, reason="Budget approved")
        assert deal.closed_at is not None and deal.close_reason == "Budget approved"


def test_a_reason_over_500_characters_is_refused(org_a):
    with tenant(org_a):
        deal = make_deal()
        with pytest.raises(ServiceError) as refused:
            stage_moves.move_opportunity(deal, stages()["Closed Lost"].id, reason="x" * 501)
        assert "500 characters" in refused.value.message
        assert deal.stage_id == stages()["Prospecting"].id


def test_reopening_clears_the_close_date_and_the_reason(org_a):
    with tenant(org_a):
        deal = make_deal()
        stage_moves.move_opportunity(deal, stages()["Closed Lost"].id, reason="Went with a competitor")
        db.session.commit()
        assert deal.closed_at is not None
        stage_moves.move_opportunity(deal, stages()["Negotiation"].id, note="They came back")
        db.session.commit()
        assert deal.closed_at is None and deal.close_reason is None
        assert [h[1] for h in history(deal)] == ["Prospecting", "Closed Lost", "Negotiation"]


@pytest.mark.parametrize("value", ["abc", "", None, "-3", "1.5", "9" * 30, "12\x00", "0"])
def test_a_stage_that_is_not_a_number_is_refused(org_a, value):
    with tenant(org_a):
        deal = make_deal()
        with pytest.raises(ServiceError) as refused:
            stage_moves.move_opportunity(deal, value)
        assert refused.value.message == "Choose one of your pipeline's stages."
        assert len(history(deal)) == 1


def test_another_organizations_stage_reads_like_a_missing_one(org_a, org_b):
    with tenant(org_b):
        foreign = stages()["Proposal"].id
    with tenant(org_a):
        deal = make_deal()
        missing = db.session.scalar(sa.select(sa.func.max(PipelineStage.id))) + 1000
        messages = set()
        for stage_id in (foreign, missing):
            with pytest.raises(ServiceError) as refused:
                stage_moves.move_opportunity(deal, str(stage_id))
            messages.add(refused.value.message)
        assert messages == {"Choose one of your pipeline's stages."}
        db.session.commit()
        assert deal.stage_id == stages()["Prospecting"].id and len(history(deal)) == 1


def test_won_makes_the_company_a_customer(org_a):
    with tenant(org_a):
        company = Company(name="Initech", lifecycle_stage="prospect")
        db.session.add(company)
        db.session.flush()
        deal = make_deal(company_id=company.id)
        stage_moves.move_opportunity(deal, stages()["Closed Won"].id, reason="Signed")
        db.session.commit()
        assert db.session.get(Company, company.id).lifecycle_stage == "customer"


def test_lost_leaves_the_company_as_it_was(org_a):
    with tenant(org_a):
        company = Company(name="Initech", lifecycle_stage="prospect")
        db.session.add(company)
        db.session.flush()
        deal = make_deal(company_id=company.id)
        stage_moves.move_opportunity(deal, stages()["Closed Lost"].id, reason="No budget")
        db.session.commit()
        assert db.session.get(Company, company.id).lifecycle_stage == "prospect"


def test_stage_totals_weigh_by_the_override_or_the_stages_probability(org_a):
    with tenant(org_a):
        # Proposal's probability is 50: 1000 at 50% + 2000 overridden to 10% = 500 + 200.
        make_deal(stage="Proposal", value="1000")
        make_deal(stage="Proposal", value="2000", probability=10)
        make_deal(stage="Negotiation", value="400.50", probability=0)
        gone = make_deal(stage="Negotiation", value="99999")
        gone.deleted_at = clock.now()
        db.session.commit()
        totals = stage_moves.stage_totals()
        assert totals[stages()["Proposal"].id] == (2, Decimal("3000.00"), Decimal("700.00"))
        assert totals[stages()["Negotiation"].id] == (1, Decimal("400.50"), Decimal("0.00"))
        assert stages()["Prospecting"].id not in totals
        only = stage_moves.stage_totals([stages()["Negotiation"].id])
        assert list(only) == [stages()["Negotiation"].id]


def test_stage_totals_is_one_query(org_a):
    from tests.helpers import counted

    with tenant(org_a):
        for i in range(5):
            make_deal(stage=["Proposal", "Negotiation", "Prospecting"][i % 3], value="10")
        db.session.commit()
        with counted() as statements:
            stage_moves.stage_totals()
        assert len(statements) == 1


def test_a_stage_with_deals_cannot_be_deleted_and_history_survives_its_deletion(org_a):
    with tenant(org_a):
        extra = pipeline.create_stage("Demo", 30, 7, "open")
        db.session.flush()
        deal = make_deal()
        stage_moves.move_opportunity(deal, extra.id)
        with pytest.raises(ServiceError) as refused:
            pipeline.delete_stage(extra)
        assert "1 deal is in Demo" in refused.value.message
        stage_moves.move_opportunity(deal, stages()["Proposal"].id)
        binned = make_deal(name="Binned", stage="Demo")
        binned.deleted_at = clock.now()
        pipeline.delete_stage(extra)
        db.session.commit()
        assert [h[1] for h in history(deal)] == ["Prospecting", "Demo", "Proposal"]
        assert [(r.from_name, r.to_name) for r in stage_moves.history_for(deal)][:2] == [
            ("Demo", "Proposal"), ("Prospecting", "Demo")]
        assert db.session.get(Opportunity, binned.id).stage_id == stages()["Prospecting"].id


@pytest.mark.postgres
def test_two_moves_at_once_leave_two_history_rows_that_follow_each_other(app, admin_a, org_a, monkeypatch):
    """Both requests have loaded the deal in Proposal before either locks it: the second must
    wait for the first's row lock and record its move from where the first left the deal."""
    import threading

    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: SQLite serialises writers")
    with tenant(org_a):
        deal_id = make_deal(stage="Proposal").id
        targets = {"admin": stages()["Negotiation"].id, "manager": stages()["Closed Lost"].id}
        db.session.commit()
    manager = app.test_client()
    assert manager.login("sales.manager@acme.example").status_code == 302
    barrier = threading.Barrier(2, timeout=30)
    original = stage_moves._lock

    def lock_together(row):
        barrier.wait()
        return original(row)

    monkeypatch.setattr(stage_moves, "_lock", lock_together)
    statuses = {}

    def move(name, client):
        statuses[name] = client.post(f"/acme/opportunities/{deal_id}/stage",
                                     data={"stage_id": targets[name], "reason": "No budget"}).status_code

    threads = [threading.Thread(target=move, args=item) for item in (("admin", admin_a), ("manager", manager))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == {"admin": 303, "manager": 303}
    with tenant(org_a):
        deal = db.session.get(Opportunity, deal_id)
        rows = history(deal)
        assert len(rows) == 3
        assert rows[1][0] == "Proposal" and rows[2][0] == rows[1][1]
        assert deal.stage_id == stages()[rows[2][1]].id
