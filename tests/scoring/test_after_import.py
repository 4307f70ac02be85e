"""After an import finishes, its leads are scored in batches and the ones nobody owns are routed."""

import sqlalchemy as sa

from crm.extensions import db
from crm.jobs import lead_scoring
from crm.models import AssignmentRule
from crm.models import BackgroundJob
from crm.models import Lead
from crm.models import Task
from tenants.context import org_context
from tests.helpers import add_member
from tests.imports.support import csv_bytes
from tests.imports.support import run_import
from tests.scoring.support import set_rules
from tests.scoring.support import unscored_count
from tests.scoring.support import user_id

ROWS = [["Ann", "Vp", "ann@x.example", "Acme", "VP Sales", ""],
        ["Bob", "Mgr", "bob@x.example", "Acme", "Manager", ""],
        ["Cy", "Intern", "cy@x.example", "", "Intern", ""]]


def _reps(org):
    add_member(org, "rep1@acme.example", "Sales Rep")
    add_member(org, "rep2@acme.example", "Sales Rep")
    return user_id("rep1@acme.example"), user_id("rep2@acme.example")


def test_imported_leads_are_scored_then_routed_round_robin(admin_a, org_a):
    rep1, rep2 = _reps(org_a)
    set_rules(org_a)
    with org_context(org_a.id):
        db.session.add(AssignmentRule(name="Reps", min_score=0, max_score=100, member_ids=[rep1, rep2],
                                      task_title="Call the webinar lead", task_due_days=2))
        db.session.commit()
    run_import(admin_a, "acme", csv_bytes(ROWS))
    with org_context(org_a.id):
        leads = [(lead.last_name, lead.score, lead.grade, lead.owner_id)
                 for lead in db.session.scalars(sa.select(Lead).order_by(Lead.id))]
        tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    # fit: vp 35 + email 5 + company 5 + title 5 = 50 -> 25; manager 20+15 = 35 -> 18 (17.5 up); intern 10 -> 5
    assert [tuple(lead) for lead in leads] == [("Vp", 25, "C", rep1), ("Mgr", 18, "D", rep2), ("Intern", 5, "D", rep1)]
    assert tasks == 3


def test_a_big_import_is_scored_in_chunks_each_a_job_of_its_own(admin_a, org_a, monkeypatch):
    set_rules(org_a)
    monkeypatch.setattr(lead_scoring, "IMPORT_CHUNK", 2)
    rows = [[f"P{i}", f"L{i}", f"p{i}@x.example", "Acme", "VP", ""] for i in range(5)]
    run_import(admin_a, "acme", csv_bytes(rows))
    with org_context(org_a.id):
        assert unscored_count() == 0
        jobs = db.session.execute(sa.select(BackgroundJob.args, BackgroundJob.status)
                                  .where(BackgroundJob.kind == "lead_scoring").order_by(BackgroundJob.id)).all()
    ids, import_id = _ids(org_a), jobs[0][0][0]
    assert jobs == [([import_id], "succeeded"), ([import_id, ids[1]], "succeeded"), ([import_id, ids[3]], "succeeded")]


def _ids(org) -> list[int]:
    with org_context(org.id):
        return db.session.scalars(sa.select(Lead.id).order_by(Lead.id)).all()
