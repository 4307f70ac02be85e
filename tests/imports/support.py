"""Building CSV files and driving an import through its pages, as a person would."""

import csv
import io
import re

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Lead
from crm.models import LeadImport
from tests.helpers import tenant

HEADER = ["First Name", "Last Name", "E-mail", "Company", "Job Title", "Phone"]


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8", line_end="\r\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def people(n: int, start: int = 0, domain: str = "example.com") -> list[list[str]]:
    return [[f"First{i}", f"Last{i}", f"person{i}@{domain}", f"Company {i % 7}", "Buyer", ""]
            for i in range(start, start + n)]


def upload(client, slug: str, data: bytes, name: str = "leads.csv", **extra):
    return client.post(f"/{slug}/leads/imports/", data={"file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data")


def import_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/imports/(\d+)$", response.location).group(1))


def mapping_form(header_len: int, fields: list[str]) -> dict:
    return {f"column_{i}": field for i, field in enumerate(fields[:header_len])}


DEFAULT_FIELDS = ["first_name", "last_name", "email", "company_name", "title", "phone"]


def start(client, slug: str, import_id: int, fields=DEFAULT_FIELDS, **form):
    data = {**mapping_form(len(fields), fields), "duplicate_policy": "skip", **form}
    return client.post(f"/{slug}/leads/imports/{import_id}/start", data=data)


def run_import(client, slug: str, data: bytes, fields=DEFAULT_FIELDS, name: str = "leads.csv", **form) -> int:
    """Upload, map and start: without Redis the job has run when the response comes back."""
    import_id = import_id_of(upload(client, slug, data, name))
    response = start(client, slug, import_id, fields, **form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return import_id


def the_import(org, import_id: int) -> LeadImport:
    with tenant(org):
        imp = db.session.get(LeadImport, import_id)
        db.session.expunge(imp)
    return imp


def lead_emails(org) -> list[str]:
    with tenant(org):
        return sorted(db.session.scalars(sa.select(Lead.email).where(Lead.deleted_at.is_(None))))


def rows_of_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
