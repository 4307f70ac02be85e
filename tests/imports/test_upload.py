"""The upload and mapping pages: bad files refused with a reason (never a 500), the size limit
enforced before the body is read, the mapping guessed, checked and remembered."""

import io

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import LeadImport
from tests.helpers import tenant
from tests.helpers import text_of
from tests.imports.support import csv_bytes
from tests.imports.support import import_id_of
from tests.imports.support import lead_emails
from tests.imports.support import people
from tests.imports.support import run_import
from tests.imports.support import start
from tests.imports.support import upload


def _imports(org) -> int:
    with tenant(org):
        return db.session.scalar(sa.select(sa.func.count()).select_from(LeadImport))


@pytest.mark.parametrize("data,status,message", [
    (b"", 422, "The file is empty"),
    (b"First Name,Last Name,Email\r\n", 422, "header row but no rows of leads"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 422, "not a CSV file"),
    (b"PK\x03\x04" + bytes(range(256)) * 8, 422, "not a CSV file"),
])
def test_a_file_that_cannot_be_imported_is_refused_with_the_reason(admin_a, org_a, data, status, message):
    response = upload(admin_a, "acme", data)
    assert response.status_code == status
    assert message in text_of(response)
    assert _imports(org_a) == 0


def test_no_file_chosen_is_refused(admin_a, org_a):
    response = admin_a.post("/acme/leads/imports/", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file to upload." in text_of(response)


def test_a_file_over_the_limit_is_refused_from_its_announced_length_alone(app, admin_a, org_a):
    """50 MB and one byte: refused before the form (or the CSRF token in it) is even parsed."""
    body = io.BytesIO(b"x" * (50 * 1024 * 1024 + 70 * 1024))
    response = admin_a.post("/acme/leads/imports/", input_stream=body, content_type="multipart/form-data; boundary=b",
                            headers={"Content-Length": str(len(body.getvalue()))})
    assert response.status_code == 413
    assert "larger than 50 MB" in text_of(response)
    assert body.tell() == 0, "not a byte of the body was read"
    assert _imports(org_a) == 0


def test_a_file_just_over_the_limit_inside_a_form_under_it_is_refused_too(app, admin_a, org_a):
    app.config["LEAD_IMPORT_MAX_BYTES"] = 2_000
    response = upload(admin_a, "acme", csv_bytes(people(40)))  # about 2,500 bytes
    assert response.status_code == 413 and "larger than" in text_of(response)
    assert upload(admin_a, "acme", csv_bytes(people(5))).status_code == 302


def test_the_mapping_is_guessed_from_the_header_and_the_preview_shows_the_first_rows(admin_a, org_a):
    header = ["E-mail Address", "Given name", "SURNAME", "Organisation", "Position", "Mobile", "Notes"]
    response = upload(admin_a, "acme", csv_bytes([["a@example.com", "Ada", "Lovelace", "AE", "Countess", "", "x"]], header=header))
    page = admin_a.get(response.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ada" in html and "Lovelace" in html
    for i, field in enumerate(["email", "first_name", "last_name", "company_name", "title", "phone"]):
        assert f'<option value="{field}" selected>' in html.split(f'name="column_{i}"')[1].split("</select>")[0]
    assert "selected" not in html.split('name="column_6"')[1].split("</select>")[0]
    assert "read as UTF-8 separated by commas" in text_of(page)


def test_the_last_mapping_is_remembered_for_the_same_column_names(admin_a, org_a):
    header = ["Mail", "Kontakt", "Firma", "Zeichen"]
    run_import(admin_a, "acme", csv_bytes([["a@example.com", "Ada", "AE", "x"]], header=header),
               fields=["email", "last_name", "", "title"])
    response = upload(admin_a, "acme", csv_bytes([["b@example.com", "Bob", "BE", "y"]], header=header))
    html = admin_a.get(response.location).get_data(as_text=True)
    chosen = [html.split(f'name="column_{i}"')[1].split("</select>")[0] for i in range(4)]
    assert '<option value="email" selected>' in chosen[0]
    assert '<option value="last_name" selected>' in chosen[1]
    assert "selected" not in chosen[2]  # ignored last time, although "Firma" reads as a company
    assert '<option value="title" selected>' in chosen[3]


def test_a_file_with_a_wrong_delimiter_is_reported_as_one_column(admin_a, org_a):
    data = b"First Name|Last Name|Email\r\nAda|Lovelace|ada@example.com\r\n"
    import_id = import_id_of(upload(admin_a, "acme", data))
    response = start(admin_a, "acme", import_id, fields=[""])
    assert response.status_code == 422
    assert "single column" in text_of(response) and "commas, semicolons or tabs" in text_of(response)


def test_a_mapping_without_email_or_last_name_is_refused(admin_a, org_a):
    import_id = import_id_of(upload(admin_a, "acme", csv_bytes(people(2))))
    response = start(admin_a, "acme", import_id, fields=["first_name", "", "", "company_name", "", ""])
    assert response.status_code == 422
    assert "Map a column to Email or to Last name" in text_of(response)
    response = start(admin_a, "acme", import_id, fields=["email", "", "email", "", "", ""])
    assert response.status_code == 422 and "are mapped to Email" in text_of(response)
    response = start(admin_a, "acme", import_id, fields=["nonsense", "", "email", "", "", ""])
    assert response.status_code == 422
    with tenant(org_a):
        assert db.session.get(LeadImport, import_id).status == "uploaded"


def test_bad_choices_for_every_row_are_refused(admin_a, org_a):
    import_id = import_id_of(upload(admin_a, "acme", csv_bytes(people(2))))
    for form, message in [({"owner_id": "999999"}, "Pick an owner from the list"),
                          ({"source": "carrier-pigeon"}, "Choose the source from the list"),
                          ({"campaign_id": "424242"}, "Choose a campaign from the list"),
                          ({"duplicate_policy": "merge"}, "skip them or update them"),
                          ({"tag": "t" * 51}, "Keep the tag to 50 characters")]:
        response = start(admin_a, "acme", import_id, **form)
        assert response.status_code == 422 and message in text_of(response), form


def test_an_import_cannot_be_started_twice(admin_a, org_a):
    import_id = run_import(admin_a, "acme", csv_bytes(people(2)))
    response = start(admin_a, "acme", import_id)
    assert response.status_code == 422 and "already been started" in text_of(response)
    assert len(lead_emails(org_a)) == 2


def test_only_members_allowed_to_import_see_the_pages_and_the_link(client, org_a):
    client.login("sales.rep@acme.example")
    assert client.get("/acme/leads/imports/").status_code == 403
    assert "Import CSV" not in client.get("/acme/leads/").get_data(as_text=True)
    client.logout()
    client.login("sales.manager@acme.example")
    assert "Import CSV" in client.get("/acme/leads/").get_data(as_text=True)
    assert client.get("/acme/leads/imports/").status_code == 200


def test_the_list_shows_past_imports(admin_a, org_a):
    run_import(admin_a, "acme", csv_bytes(people(3)), name="spring.csv")
    page = text_of(admin_a.get("/acme/leads/imports/"))
    assert "spring.csv" in page and "Finished" in page


def test_company_size_and_country_columns_are_guessed_and_imported(admin_a, org_a):
    from crm.models import Lead

    header = ["Email", "Last name", "Employees", "Country"]
    response = upload(admin_a, "acme", csv_bytes([["a@example.com", "Lovelace", "250", "United Kingdom"]], header=header))
    html = admin_a.get(response.location).get_data(as_text=True)
    assert '<option value="company_size" selected>' in html.split('name="column_2"')[1].split("</select>")[0]
    assert '<option value="country" selected>' in html.split('name="column_3"')[1].split("</select>")[0]
    run_import(admin_a, "acme", csv_bytes([["b@example.com", "Babbage", "1,200", "France"]], header=header),
               fields=["email", "last_name", "company_size", "country"])
    with tenant(org_a):
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "b@example.com"))
        assert (lead.company_size, lead.country) == ("1001-5000", "France")
