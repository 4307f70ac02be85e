"""Layer 1 alone: the ORM filter, the flush guard and the fail-closed query guard."""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import Membership
from crm.models import PipelineStage
from crm.models import Role
from tenants.context import CrossTenantWrite
from tenants.context import TenantContextMissing
from tenants.context import org_context


def _role_names(org) -> set[str]:
    with org_context(org.id):
        return {(r.org_id, r.name) for r in db.session.scalars(sa.select(Role))}


def test_query_on_tenant_model_without_organization_raises(app, org_a):
    db.session.expire_all()
    with pytest.raises(TenantContextMissing):
        db.session.scalars(sa.select(Role)).all()
    with pytest.raises(TenantContextMissing):
        db.session.scalar(sa.select(sa.func.count()).select_from(PipelineStage))
    with pytest.raises(TenantContextMissing):
        db.session.execute(sa.update(Role).values(name="x"))


def test_queries_see_only_the_current_organization(app, org_a, org_b):
    assert {org for org, _ in _role_names(org_a)} == {org_a.id}
    assert {org for org, _ in _role_names(org_b)} == {org_b.id}
    with org_context(org_a.id):
        b_role = db.session.scalar(sa.select(Role.id).where(Role.org_id == org_b.id))
        assert b_role is None
        assert db.session.get(Role, _any_role_id(org_b)) is None


def _any_role_id(org) -> int:
    with org_context(org.id):
        return db.session.scalar(sa.select(Role.id).limit(1))


def test_bulk_update_and_delete_touch_only_the_current_organization(app, org_a, org_b):
    with org_context(org_a.id):
        db.session.execute(sa.update(PipelineStage).values(expected_days=99))
        db.session.commit()
    with org_context(org_b.id):
        assert 99 not in db.session.scalars(sa.select(PipelineStage.expected_days)).all()


def test_relationship_loads_are_filtered_by_the_current_organization(app, org_a, org_b):
    with org_context(org_a.id):
        member = db.session.scalar(sa.select(Membership).limit(1))
        assert member.role.org_id == org_a.id


def test_new_rows_are_stamped_with_the_current_organization(app, org_a):
    with org_context(org_a.id):
        stage = PipelineStage(name="Discovery", probability=5, expected_days=7, kind="open", position=9)
        db.session.add(stage)
        db.session.commit()
        assert stage.org_id == org_a.id


def test_new_row_with_no_organization_in_context_is_refused(app, org_a):
    db.session.add(PipelineStage(name="Orphan", probability=5, expected_days=7, kind="open", position=9))
    with pytest.raises(TenantContextMissing):
        db.session.flush()
    db.session.rollback()


def test_new_row_for_another_organization_is_refused(app, org_a, org_b):
    with org_context(org_a.id):
        db.session.add(PipelineStage(org_id=org_b.id, name="Sneaky", probability=5, expected_days=7, kind="open"))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_changing_a_row_of_another_organization_is_refused(app, org_a, org_b):
    with org_context(org_b.id):
        b_stage = db.session.scalar(sa.select(PipelineStage).limit(1))
    with org_context(org_a.id):
        b_stage.name = "Hijacked"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_org_id_of_a_row_cannot_change(app, org_a, org_b):
    with org_context(org_a.id):
        stage = db.session.scalar(sa.select(PipelineStage).limit(1))
        stage.org_id = org_b.id
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_context_is_restored_after_the_block(app, org_a, org_b):
    from tenants.context import get_org_id

    with org_context(org_a.id):
        with org_context(org_b.id):
            assert get_org_id() == org_b.id
        assert get_org_id() == org_a.id
    assert get_org_id() is None


def test_counts_and_subqueries_are_filtered_too(app, org_a, org_b):
    """``select_from`` and subqueries do not show up as the statement's entities; still filtered."""
    with org_context(org_a.id):
        db.session.add(PipelineStage(name="Extra", probability=5, expected_days=7, kind="open", position=9))
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(PipelineStage))
        sub = sa.select(PipelineStage.id).subquery()
        via_subquery = db.session.scalar(sa.select(sa.func.count()).select_from(sub))
    assert count == via_subquery == 7
    with org_context(org_b.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PipelineStage)) == 6
    with pytest.raises(TenantContextMissing):
        db.session.scalar(sa.select(sa.func.count()).select_from(sa.select(PipelineStage.id).subquery()))
