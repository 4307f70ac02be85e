"""Uploads never started are deleted after a week by the scheduled job; started ones stay."""

from datetime import timedelta

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.jobs.schedule import start_for_every_organization
from crm.models import LeadImport
from tests.helpers import tenant
from tests.imports.support import csv_bytes
from tests.imports.support import import_id_of
from tests.imports.support import people
from tests.imports.support import run_import
from tests.imports.support import upload


def _age(org, import_id, days):
    with tenant(org):
        db.session.get(LeadImport, import_id).created_at = clock.now() - timedelta(days=days)
        db.session.commit()


def _upload_in(org) -> int:
    with tenant(org):
        imp = LeadImport(file_name="b.csv", size_bytes=10, encoding="utf-8", delimiter=",", content=b"Email\r\nx@y.io\r\n",
                         content_length=17, header=["Email"], data_offset=7, cursor_offset=7, total_rows=1)
        db.session.add(imp)
        db.session.commit()
        return imp.id


def test_uploads_never_started_are_deleted_after_a_week_in_every_organization(admin_a, org_a, org_b):
    old = import_id_of(upload(admin_a, "acme", csv_bytes(people(2))))
    recent = import_id_of(upload(admin_a, "acme", csv_bytes(people(2))))
    finished = run_import(admin_a, "acme", csv_bytes(people(2)))
    old_of_b = _upload_in(org_b)
    _age(org_b, old_of_b, 10)
    _age(org_a, old, 8)
    _age(org_a, recent, 6)
    _age(org_a, finished, 30)
    start_for_every_organization("abandoned-uploads", ignore_hour=True)
    with tenant(org_a):
        left = set(db.session.scalars(sa.select(LeadImport.id)))
    assert left == {recent, finished}
    with tenant(org_b):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadImport)) == 0
