"""Layer 2 alone: the schema itself keeps organizations apart, on SQLite and PostgreSQL.

Every reference between tenant tables is a composite foreign key ``(org_id, x_id) ->
x(org_id, id)``, so a row of one organization cannot point at a row of another. RLS does
not apply to foreign-key checks, so on PostgreSQL too this is the only thing that stops it.
The checks read the migrated database, not only the models, since migrations are what
production runs.
"""

import pytest
import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import Membership
from crm.models import Role
from tenants.context import org_context
from tenants.context import unscoped
from tenants.scoping import tenant_tables
from tests.helpers import make_user

TENANT_TABLES = [t.name for t in tenant_tables(db.metadata)]


def _role_id(org_id: int, name: str = "Sales Rep") -> int:
    with org_context(org_id):
        return db.session.scalar(sa.select(Role.id).where(Role.name == name))


def test_the_models_have_tenant_tables():
    assert {"memberships", "roles", "invitations"} <= set(TENANT_TABLES)


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_references_between_tenant_tables_are_composite(app, table):
    inspector = sa.inspect(db.engine)
    foreign_keys = inspector.get_foreign_keys(table)
    cascading_parent = any(fk["referred_table"] in TENANT_TABLES and fk["constrained_columns"][0] == "org_id"
                           and (fk.get("options") or {}).get("ondelete") == "CASCADE" for fk in foreign_keys)
    if any(key.target_fullname == "organizations.id" for key in db.metadata.tables[table].c.org_id.foreign_keys):
        assert any(fk["referred_table"] == "organizations" for fk in foreign_keys), f"{table}.org_id has no foreign key"
    else:  # TenantScoped.__org_through_parent__: the organization is proven, and deleted, through a parent
        assert cascading_parent, f"{table}.org_id has no foreign key and no cascading key to a parent"
    for fk in foreign_keys:
        if fk["referred_table"] not in TENANT_TABLES:
            continue
        pairs = dict(zip(fk["constrained_columns"], fk["referred_columns"]))
        assert pairs.get("org_id") == "org_id", f"{table} -> {fk['referred_table']} {pairs}: not through org_id"


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_tenant_tables_have_unique_org_id_id_and_every_unique_includes_org_id(app, table):
    """The (org_id, id) target of composite keys; and no unique across organizations, whose
    "already exists" would reveal a row of another organization."""
    inspector = sa.inspect(db.engine)
    uniques = [u["column_names"] for u in inspector.get_unique_constraints(table)]
    uniques += [i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
    assert ["org_id", "id"] in uniques
    assert [u for u in uniques if "org_id" not in u] == []


def test_membership_cannot_point_at_another_orgs_role_raw_sql(app, org_a, org_b):
    """Raw SQL, which the ORM layer never sees, while acting for A (so RLS lets the row in)."""
    a, b = org_a.id, org_b.id
    b_role, a_role = _role_id(b), _role_id(a)
    user_id = make_user("crossing@example.com").id
    db.session.commit()
    insert = sa.text("INSERT INTO memberships (org_id, user_id, role_id, active, created_at) "
                     "VALUES (:org, :user, :role, :active, :at)")
    values = {"org": a, "user": user_id, "active": True, "at": clock.now()}
    with org_context(a):
        with pytest.raises(sa.exc.IntegrityError) as error:
            db.session.execute(insert, {**values, "role": b_role})
        assert "foreign key" in str(error.value).lower()
        db.session.rollback()
        # The control: the same row with A's own role is accepted, so the check can fail.
        db.session.execute(insert, {**values, "role": a_role})
        db.session.commit()


def test_invitation_cannot_point_at_another_orgs_role_raw_sql(app, org_a, org_b):
    a, b = org_a.id, org_b.id
    b_role = _role_id(b)
    with org_context(a):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(
                sa.text("INSERT INTO invitations (org_id, email, role_id, nonce, created_at, sent_at, expires_at) "
                        "VALUES (:org, 'x@example.com', :role, :nonce, :at, :at, :at)"),
                {"org": a, "role": b_role, "nonce": "0" * 32, "at": clock.now()})
        db.session.rollback()


def test_membership_cannot_point_at_another_orgs_role_orm_unscoped(app, org_a, org_b):
    """With the ORM filter and its write guard lifted, the database still refuses."""
    a, b = org_a.id, org_b.id
    b_role = _role_id(b)
    user_id = make_user("crossing@example.com").id
    with unscoped(), org_context(a):
        db.session.add(Membership(org_id=a, user_id=user_id, role_id=b_role))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
    db.session.rollback()


def test_moving_a_membership_to_another_orgs_role_is_refused(app, org_a, org_b):
    a, b = org_a.id, org_b.id
    b_role = _role_id(b)
    with org_context(a):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE memberships SET role_id = :role WHERE org_id = :org"),
                               {"role": b_role, "org": a})
        db.session.rollback()
