"""Every composite foreign key between tenant tables has an index leading with its columns.

Without one, deleting the row it points at reads the organization's whole referring table once
per deleted row: deleting an organization of 110,000 leads took over ten minutes because
``leads.merged_into_id`` had none (migration 0011). Read from the migrated database.
"""

import pytest
import sqlalchemy as sa

from crm.extensions import db
from tenants.scoping import tenant_tables

TENANT_TABLES = [t.name for t in tenant_tables(db.metadata)]


def _leading_column_sets(inspector, table: str) -> list[list[str]]:
    keys = [inspector.get_pk_constraint(table)["constrained_columns"]]
    keys += [u["column_names"] for u in inspector.get_unique_constraints(table)]
    keys += [i["column_names"] for i in inspector.get_indexes(table)]
    return [k for k in keys if k and None not in k]


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_every_reference_between_tenant_tables_has_an_index(app, table):
    inspector = sa.inspect(db.engine)
    keys = _leading_column_sets(inspector, table)
    missing = []
    for fk in inspector.get_foreign_keys(table):
        columns = fk["constrained_columns"]
        if fk["referred_table"] not in TENANT_TABLES or columns[0] != "org_id":
            continue
        if not any(set(key[:len(columns)]) == set(columns) for key in keys):
            missing.append(f"({', '.join(columns)}) -> {fk['referred_table']}")
    assert not missing, f"{table} has foreign keys no index leads with: {missing}"
