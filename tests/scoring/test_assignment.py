"""Assignment rules: score bands, round-robin order, source and territory, follow-up tasks,
notifications; owned leads stay with their owner."""

from datetime import timedelta

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import AssignmentRule
from crm.models import Lead
from crm.models import Notification
from crm.models import Task
from crm.services import assignment
from tenants.context import org_context
from tests.helpers import add_member
from tests.scoring.support import lead_row
from tests.scoring.support import make_lead
from tests.scoring.support import set_rules
from tests.scoring.support import user_id

REPS = ("rep1@acme.example", "rep2@acme.example", "rep3@acme.example")


def _reps(org) -> list[int]:
    for email in REPS:
        add_member(org, email, "Sales Rep")
    return [user_id(email) for email in REPS]


def _rule(org, **fields) -> int:
    values = {"name": "Rule", "min_score": 0, "max_score": 100, "target": "round_robin", "member_ids": [],
              "task_title": "Follow up", "task_due_days": 1, "position": 0, **fields}
    with org_context(org.id):
        rule = AssignmentRule(**values)
        db.session.add(rule)
        db.session.commit()
        return rule.id


def _scored(org, score: int, **fields) -> int:
    return make_lead(org, score=score, grade="B", **fields)


def _assign(org, ids) -> int:
    with org_context(org.id):
        count = assignment.assign_leads(ids)
        db.session.commit()
        return count


def _owners(org, ids) -> list:
    return [lead_row(org, i).owner_id for i in ids]


def test_high_scores_go_round_robin_and_low_scores_to_the_nurture_owner(app, org_a):
    rep1, rep2, rep3 = _reps(org_a)
    nurture = user_id("marketing.manager@acme.example")
    senior = _rule(org_a, name="Senior reps", min_score=75, max_score=100, member_ids=[rep1, rep2, rep3], position=1)
    _rule(org_a, name="Nurture", min_score=0, max_score=74, target="owner", owner_id=nurture, position=2)
    hot = [_scored(org_a, 80 + i, last_name=f"Hot{i}") for i in range(4)]
    cold = _scored(org_a, 20, last_name="Cold")
    assert _assign(org_a, hot + [cold]) == 5
    assert _owners(org_a, hot) == [rep1, rep2, rep3, rep1]
    assert _owners(org_a, [cold]) == [nurture]
    more = [_scored(org_a, 90, last_name=f"More{i}") for i in range(2)]
    _assign(org_a, more)
    assert _owners(org_a, more) == [rep2, rep3]  # the turn carries on where it stopped
    with org_context(org_a.id):
        assert db.session.get(AssignmentRule, senior).next_member == 0


def test_an_inactive_member_loses_their_turn(app, org_a):
    rep1, rep2, rep3 = _reps(org_a)
    _rule(org_a, member_ids=[rep1, rep2, rep3])
    with org_context(org_a.id):
        from crm.models import Membership
        db.session.scalars(sa.select(Membership).where(Membership.user_id == rep2)).one().active = False
        db.session.commit()
    leads = [_scored(org_a, 80, last_name=f"L{i}") for i in range(3)]
    _assign(org_a, leads)
    assert _owners(org_a, leads) == [rep1, rep3, rep1]


def test_source_and_territory_pick_a_rule_before_the_band_rule(app, org_a):
    rep1, rep2, _ = _reps(org_a)
    _rule(org_a, name="DACH webinars", source="webinar", countries=["Germany", "Austria"], member_ids=[rep1], position=1)
    _rule(org_a, name="Everyone else", member_ids=[rep2], position=2)
    dach = _scored(org_a, 60, source="webinar", country="germany ")
    france = _scored(org_a, 60, source="webinar", country="France")
    referral = _scored(org_a, 60, source="referral", country="Austria")
    _assign(org_a, [dach, france, referral])
    assert _owners(org_a, [dach, france, referral]) == [rep1, rep2, rep2]


def test_assigning_adds_a_follow_up_task_due_per_band_and_a_timeline_line(app, org_a):
    rep1, _, _ = _reps(org_a)
    nurture = user_id("marketing.manager@acme.example")
    _rule(org_a, name="Hot", min_score=75, member_ids=[rep1], task_title="Call today", task_due_days=0, position=1)
    _rule(org_a, name="Nurture", max_score=74, target="owner", owner_id=nurture, task_title="Send the newsletter",
          task_due_days=14, position=2)
    hot, cold = _scored(org_a, 90), _scored(org_a, 10)
    _assign(org_a, [hot, cold])
    today = clock.now().date()  # the organization's timezone is UTC
    with org_context(org_a.id):
        tasks = db.session.execute(sa.select(Task.lead_id, Task.title, Task.due_on, Task.assignee_id)
                                   .order_by(Task.lead_id)).all()
        events = db.session.scalars(sa.select(sa.text("summary")).select_from(sa.table("activity_events"))
                                    .where(sa.text("kind = 'assigned' AND org_id = :org")), {"org": org_a.id}).all()
    assert [tuple(t) for t in tasks] == [(hot, "Call today", today, rep1),
                                         (cold, "Send the newsletter", today + timedelta(days=14), nurture)]
    assert sorted(events) == ["Assigned to Marketing Manager by the rule Nurture", "Assigned to Rep1 by the rule Hot"]


def test_each_owner_is_notified_once_per_batch(app, org_a):
    rep1, rep2, _ = _reps(org_a)
    _rule(org_a, name="Pair", member_ids=[rep1, rep2], task_due_days=2)
    leads = [_scored(org_a, 80, first_name="Lee", last_name=f"N{i}") for i in range(3)]
    _assign(org_a, leads)
    due = clock.now().date() + timedelta(days=2)
    with org_context(org_a.id):
        notes = dict(db.session.execute(sa.select(Notification.user_id, Notification.message)).all())
        links = dict(db.session.execute(sa.select(Notification.user_id, Notification.link)).all())
    assert notes[rep1] == f"The rule “Pair” assigned you 2 leads; follow up by {due.day} {due:%b %Y}."
    assert notes[rep2] == f"The rule “Pair” assigned you the lead “Lee N1”; follow up by {due.day} {due:%b %Y}."
    assert links[rep2] == f"/acme/leads/{leads[1]}" and links[rep1] == f"/acme/leads/?owner={rep1}"


def test_owned_unscored_converted_and_unqualified_leads_are_left_alone(app, org_a):
    rep1, rep2, _ = _reps(org_a)
    _rule(org_a, member_ids=[rep1])
    owned = _scored(org_a, 80, owner_id=rep2)
    unscored = make_lead(org_a)
    unqualified = _scored(org_a, 80, status="unqualified")
    assert _assign(org_a, [owned, unscored, unqualified]) == 0
    assert _owners(org_a, [owned, unscored, unqualified]) == [rep2, None, None]
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_assigning_twice_changes_nothing_the_second_time(app, org_a):
    rep1, rep2, _ = _reps(org_a)
    rule = _rule(org_a, member_ids=[rep1, rep2])
    leads = [_scored(org_a, 80, last_name=f"T{i}") for i in range(3)]
    _assign(org_a, leads)
    assert _assign(org_a, leads) == 0
    with org_context(org_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 3
        assert db.session.get(AssignmentRule, rule).next_member == 1


def test_a_lead_created_for_nobody_is_scored_and_routed(admin_a, org_a):
    rep1, _, _ = _reps(org_a)
    set_rules(org_a)
    _rule(org_a, name="All", member_ids=[rep1], task_title="Say hello", task_due_days=3)
    admin_a.post("/acme/leads/", data={"last_name": "Routed", "status": "new", "owner_id": "", "title": "VP"})
    admin_a.post("/acme/leads/", data={"last_name": "Mine", "status": "new",
                                       "owner_id": str(user_id("admin@acme.example")), "title": "VP"})
    with org_context(org_a.id):
        rows = dict(db.session.execute(sa.select(Lead.last_name, Lead.owner_id)).all())
        task = db.session.execute(sa.select(Task.title, Task.due_on, Task.assignee_id)).one()
    assert rows == {"Routed": rep1, "Mine": user_id("admin@acme.example")}
    assert tuple(task) == ("Say hello", clock.now().date() + timedelta(days=3), rep1)
