"""Assignment rules: who gets a freshly scored lead that nobody owns.

The first active rule, by position, whose score band contains the lead's score and whose
source and countries (when the rule names any) match the lead's, decides: round-robin over
its members (the pointer advances under a lock of the rule's row, so two jobs never hand out
the same turn) or one nurture owner. Each assignment adds a follow-up task due in the rule's
number of days (counted in the organization's timezone), a line on the lead's timeline and a
notification (one per owner and batch when a batch gives them several leads).

A lead that has an owner is never taken from them: rules route leads that nobody owns (a
lead created with "Nobody" as owner, or imported without one). Leads that are converted or
unqualified, or not scored yet, are left alone.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import AssignmentRule
from crm.models import Lead
from crm.models import LeadScore
from crm.models import Membership
from crm.models import Organization
from crm.models import Task
from crm.models import User
from crm.models.leads import LEAD_SOURCES
from crm.models.leads import lead_name
from crm.models.scoring import ASSIGNMENT_TARGETS
from crm.services import ServiceError
from crm.services import notifications
from crm.services.activity import org_timezone
from crm.services.activity import record_url
from crm.services.records import actor_id
from crm.services.records import clean_text
from tenants.context import require_org_id

ID_CHUNK = 1_000
MAX_MEMBERS = 100
MAX_DUE_DAYS = 365
TARGET_LABELS = {"round_robin": "Round-robin over members", "owner": "One owner (nurture)"}


# The rules, as the admin console edits them

def list_rules() -> list[AssignmentRule]:
    return db.session.scalars(sa.select(AssignmentRule).order_by(AssignmentRule.position, AssignmentRule.id)).all()


def _active_member_ids(user_ids) -> set[int]:
    if not user_ids:
        return set()
    return set(db.session.scalars(sa.select(Membership.user_id).where(
        Membership.user_id.in_(list(user_ids)), Membership.active.is_(True))))


def _whole(form, field: str, label: str, low: int, high: int) -> int:
    raw = (form.get(field) or "").strip()
    if not raw.lstrip("-").isdigit() or len(raw) > 6:
        raise ServiceError(f"Enter the {label} as a whole number from {low} to {high}.", field)
    value = int(raw)
    if not low <= value <= high:
        raise ServiceError(f"The {label} must be from {low} to {high}; {value} is out of range.", field)
    return value


def _member_ids(values) -> list[int]:
    ids = []
    for value in values:
        if not str(value).isdigit() or len(str(value)) > 18:
            raise ServiceError("Pick the members from the list.", "member_ids")
        if int(value) not in ids:
            ids.append(int(value))
    if len(ids) > MAX_MEMBERS:
        raise ServiceError(f"Pick {MAX_MEMBERS} members or fewer.", "member_ids")
    unknown = set(ids) - _active_member_ids(ids)
    if unknown:
        raise ServiceError("Pick the members from the list: "
                           f"{len(unknown)} of those picked {'is not an active member' if len(unknown) == 1 else 'are not active members'} here.",
                           "member_ids")
    return ids


def clean(form) -> dict:
    """A rule's fields from the form (``form.getlist`` for the members); raises ServiceError
    naming the first bad field."""
    min_score = _whole(form, "min_score", "lowest score", 0, 100)
    max_score = _whole(form, "max_score", "highest score", 0, 100)
    if min_score > max_score:
        raise ServiceError(f"The lowest score ({min_score}) is above the highest ({max_score}); swap them.", "min_score")
    source = (form.get("source") or "").strip() or None
    if source is not None and source not in LEAD_SOURCES:
        raise ServiceError(f"Choose the source from the list ({', '.join(LEAD_SOURCES)}), or any source.", "source")
    countries = []
    for part in (form.get("countries") or "").split(","):
        country = " ".join(part.split())
        if country and len(country) > 100:
            raise ServiceError("Keep each country to 100 characters; separate countries with commas.", "countries")
        if country and country.lower() not in [c.lower() for c in countries]:
            countries.append(country)
    target = (form.get("target") or "").strip()
    if target not in ASSIGNMENT_TARGETS:
        raise ServiceError("Choose who gets the leads: round-robin over members, or one owner.", "target")
    member_ids, owner_id = [], None
    if target == "round_robin":
        member_ids = _member_ids(form.getlist("member_ids") if hasattr(form, "getlist") else form.get("member_ids", []))
        if not member_ids:
            raise ServiceError("Pick at least one member to take turns with these leads.", "member_ids")
    else:
        owner = (form.get("owner_id") or "").strip()
        if not owner.isdigit() or len(owner) > 18 or not _active_member_ids([int(owner)]):
            raise ServiceError("Pick the owner from the list of active members.", "owner_id")
        owner_id = int(owner)
    return {
        "name": clean_text(form.get("name"), "name", "rule name", 100, required=True),
        "min_score": min_score, "max_score": max_score, "source": source, "countries": countries,
        "target": target, "member_ids": member_ids, "owner_id": owner_id,
        "task_title": clean_text(form.get("task_title"), "task_title", "follow-up task title", 200, required=True),
        "task_due_days": _whole(form, "task_due_days", "days until the task is due", 0, MAX_DUE_DAYS),
        "active": form.get("active") in ("on", "1", "true", "y"),
    }


def create_rule(form) -> AssignmentRule:
    values = clean(form)
    last = db.session.scalar(sa.select(sa.func.max(AssignmentRule.position)))
    rule = AssignmentRule(**values, position=(last or 0) + 1)
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(rule: AssignmentRule, form) -> None:
    values = clean(form)
    if values["member_ids"] != rule.member_ids:
        rule.next_member = 0
    for key, value in values.items():
        setattr(rule, key, value)


def delete_rule(rule: AssignmentRule) -> None:
    db.session.delete(rule)


def move_rule(rule: AssignmentRule, direction: str) -> bool:
    """Swap with the neighbour above or below; False when already first or last."""
    rules = list_rules()
    index = rules.index(rule)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(rules):
        return False
    for position, item in enumerate(rules):
        item.position = position
    rules[index].position, rules[other].position = other, index
    return True


def who_gets(rules: list[AssignmentRule]) -> dict[int, str]:
    """Each rule's target in words ("in turn to Ann, Bob"), names read in one query."""
    ids = {i for r in rules for i in r.member_ids} | {r.owner_id for r in rules if r.owner_id}
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    described = {}
    for rule in rules:
        if rule.target == "owner":
            described[rule.id] = f"to {names[rule.owner_id]}" if rule.owner_id in names else "to nobody (the owner left)"
        else:
            members = [names[i] for i in rule.member_ids if i in names]
            described[rule.id] = f"in turn to {', '.join(members)}" if members else "to nobody (every member left)"
    return described


# Assigning

def matches(rule: AssignmentRule, score: int, source: str | None, country: str | None) -> bool:
    if not rule.min_score <= score <= rule.max_score:
        return False
    if rule.source and rule.source != source:
        return False
    if rule.countries:
        return bool(country) and " ".join(country.split()).lower() in {c.lower() for c in rule.countries}
    return True


def rule_for(rules: list[AssignmentRule], score: int, source: str | None, country: str | None):
    return next((r for r in rules if r.active and matches(r, score, source, country)), None)


@dataclass
class _Assigned:
    lead_id: int
    name: str
    owner_id: int


def _turns(rule: AssignmentRule, count: int) -> list[int]:
    """Owners for ``count`` leads, in turn, from the locked rule; the pointer moves past them."""
    if rule.target == "owner":
        return [rule.owner_id] * count if rule.owner_id and _active_member_ids([rule.owner_id]) else []
    active = _active_member_ids(rule.member_ids)
    members = [m for m in rule.member_ids if m in active]
    if not members:
        return []
    start = rule.next_member % len(members)
    rule.next_member = (start + count) % len(members)
    return [members[(start + i) % len(members)] for i in range(count)]


def _owned_list_url(owner_id: int) -> str:
    """A path built from the slug: jobs run outside any request of this organization."""
    return f"/{db.session.get(Organization, require_org_id()).slug}/leads/?owner={owner_id}"


def _notify(rule: AssignmentRule, assigned: list[_Assigned], due_label: str) -> None:
    by_owner: dict[int, list[_Assigned]] = defaultdict(list)
    for item in assigned:
        by_owner[item.owner_id].append(item)
    for owner_id, items in by_owner.items():
        key = f"assigned-by-rule:{rule.id}:lead:{items[0].lead_id}:n:{len(items)}:user:{owner_id}"
        if len(items) == 1:
            notifications.notify(owner_id, "assigned",
                                 f"The rule “{rule.name}” assigned you the lead “{items[0].name}”; "
                                 f"follow up by {due_label}.", record_url("lead", items[0].lead_id), key)
        else:
            notifications.notify(owner_id, "assigned",
                                 f"The rule “{rule.name}” assigned you {len(items)} leads; follow up by {due_label}.",
                                 _owned_list_url(owner_id), key)


def _lock(rule_id: int) -> AssignmentRule | None:
    return db.session.scalars(sa.select(AssignmentRule).where(AssignmentRule.id == rule_id)
                              .with_for_update().execution_options(populate_existing=True)).one_or_none()


def _assign_with(rule: AssignmentRule, lead_ids: list[int]) -> list[_Assigned]:
    # Read again under the rule's lock: a lead another job assigned meanwhile has an owner now.
    leads = db.session.execute(sa.select(Lead.id, Lead.first_name, Lead.last_name, Lead.email).where(
        Lead.id.in_(lead_ids), Lead.owner_id.is_(None)).order_by(Lead.id)).all()
    owners = _turns(rule, len(leads))
    if not owners:
        return []
    org_id, moment, actor = require_org_id(), clock.now(), actor_id()
    due_on = moment.astimezone(org_timezone()).date() + timedelta(days=rule.task_due_days)
    assigned = [_Assigned(lead.id, lead_name(lead.first_name, lead.last_name, lead.email), owner)
                for lead, owner in zip(leads, owners)]
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(set(owners)))).all())
    db.session.execute(sa.update(Lead.__table__).where(
        Lead.__table__.c.org_id == org_id, Lead.__table__.c.id == sa.bindparam("lead_id"),
        Lead.__table__.c.owner_id.is_(None)).values(owner_id=sa.bindparam("new_owner"), updated_at=moment),
        [{"lead_id": a.lead_id, "new_owner": a.owner_id} for a in assigned])
    db.session.execute(sa.insert(Task), [
        {"org_id": org_id, "title": rule.task_title, "due_on": due_on, "priority": "normal", "assignee_id": a.owner_id,
         "lead_id": a.lead_id, "created_by_id": actor, "created_at": moment, "updated_at": moment} for a in assigned])
    db.session.execute(sa.insert(ActivityEvent), [
        {"org_id": org_id, "kind": "assigned", "actor_id": actor, "lead_id": a.lead_id, "occurred_at": moment,
         "summary": f"Assigned to {names.get(a.owner_id, 'a member')} by the rule {rule.name}"[:300],
         "data": {"rule_id": rule.id, "owner_id": a.owner_id, "due_on": due_on.isoformat()}} for a in assigned])
    return assigned


def assign_leads(lead_ids) -> int:
    """Route these leads (those nobody owns, scored, neither converted nor unqualified) by the
    rules; returns how many were assigned. Adds to the caller's transaction."""
    rules = [r for r in list_rules() if r.active]
    ids = sorted({int(i) for i in lead_ids})
    if not rules or not ids:
        return 0
    by_rule: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), ID_CHUNK):
        rows = db.session.execute(sa.select(Lead.id, LeadScore.total.label("score"), Lead.source, Lead.country).join(
            LeadScore, sa.and_(LeadScore.org_id == Lead.org_id, LeadScore.lead_id == Lead.id)).where(
            Lead.id.in_(ids[start:start + ID_CHUNK]), Lead.owner_id.is_(None), Lead.deleted_at.is_(None),
            Lead.status.not_in(("converted", "unqualified")))).all()
        for row in rows:
            rule = rule_for(rules, row.score, row.source, row.country)
            if rule is not None:
                by_rule[rule.id].append(row.id)
    count = 0
    for rule_id in sorted(by_rule):  # locks taken in one order: two jobs cannot deadlock on them
        rule, chosen, assigned = _lock(rule_id), by_rule[rule_id], []
        if rule is None:
            continue
        for start in range(0, len(chosen), ID_CHUNK):
            assigned += _assign_with(rule, chosen[start:start + ID_CHUNK])
        if assigned:
            due_on = clock.now().astimezone(org_timezone()).date() + timedelta(days=rule.task_due_days)
            _notify(rule, assigned, f"{due_on.day} {due_on:%b %Y}")
        count += len(assigned)
    return count
