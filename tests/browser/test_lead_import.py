"""The CSV import in a real browser: upload a file, fix the guessed mapping, watch the progress
bar fill as the import advances (htmx polling), and download the rejected rows."""

import csv
import io
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from crm.extensions import db
from crm.models import LeadImport
from crm.services import lead_import
from crm.services.lead_import import processing
from tenants.context import org_context
from tests.browser.flows import assert_no_full_reload
from tests.browser.flows import mark_page
from tests.browser.flows import sign_in_directly
from tests.helpers import make_org

pytestmark = pytest.mark.browser

FILE = ("First Name;Last Name;Email;Organisation Name;Phone\r\n"
        "Grace;Hopper;grace@cobol.example;Cobol Systems;+1 415 555 0100\r\n"
        "Alan;Turing;not-an-email;Bletchley;\r\n"
        "Ada;Lovelace;ada@engines.example;=Analytical Engines;\r\n"
        "Grace;Again;GRACE@cobol.example;;\r\n").encode("utf-8-sig")


def _seed(live_server) -> int:
    with live_server.seeding():
        org, _ = make_org("acme", "admin@acme.example", "Acme Inc")
        return org.id


def test_upload_map_watch_the_progress_and_download_the_rejected_rows(live_server, page):
    _seed(live_server)
    sign_in_directly(page, "admin@acme.example", then="/acme/leads/")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files({"name": "webinar.csv", "mimeType": "text/csv", "buffer": FILE})
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Import webinar.csv")).to_be_visible()
    expect(page.get_by_text("4 rows of leads, 5 columns, read as UTF-8 (with BOM) separated by semicolons")).to_be_visible()
    expect(page.get_by_label("Lead field for the column Email")).to_have_value("email")
    company = page.get_by_label("Lead field for the column Organisation Name")
    expect(company).to_have_value("")  # not a name it knows: the person picks it
    company.select_option("company_name")
    page.get_by_label("or a new campaign").fill("Spring webinar")
    page.get_by_label("Tag").fill("webinar")
    page.get_by_role("button", name="Import 4 rows").click()

    expect(page.locator("#import-status")).to_have_text("Finished")
    expect(page.locator("#import-bar")).to_have_attribute("value", "4")
    expect(page.locator("#import-bar")).to_have_attribute("max", "4")
    expect(page.locator("#count-created")).to_have_text("2")
    expect(page.locator("#count-skipped")).to_have_text("1")
    expect(page.locator("#count-failed")).to_have_text("1")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download rejected rows (CSV)").click()
    assert download.value.suggested_filename == "webinar - rejected rows.csv"
    table = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert table[0] == ["First Name", "Last Name", "Email", "Organisation Name", "Phone", "Row", "Reason"]
    assert [row[5] for row in table[1:]] == ["3", "5"]
    assert "not a valid email address" in table[1][6]
    assert table[2][6] == "Same email as row 2 of this file."


def test_the_progress_bar_follows_a_running_import_until_it_ends(live_server, page, monkeypatch):
    """An import left half done by a worker: the page polls and fills the bar as chunks commit."""
    org_id = _seed(live_server)
    monkeypatch.setattr(processing, "CHUNK_ROWS", 10)
    rows = "".join(f"Person{i};person{i}@example.com\r\n" for i in range(30))
    with live_server.seeding(), org_context(org_id):
        imp = lead_import.create_import("big.csv", io.BytesIO(("Last Name;Email\r\n" + rows).encode()))
        lead_import.start_import(imp, {"column_0": "last_name", "column_1": "email"})
        import_id = imp.id
        processing.run_chunk(import_id)
        db.session.commit()

    sign_in_directly(page, "admin@acme.example", then=f"/acme/leads/imports/{import_id}")
    expect(page.locator("#import-status")).to_have_text(re.compile(r"Importing \(33 %\)"))
    expect(page.locator("#import-bar")).to_have_attribute("value", "10")
    mark_page(page)
    for done in (20, 30):
        with live_server.seeding(), org_context(org_id):
            processing.run_chunk(import_id)
            db.session.commit()
        expect(page.locator("#import-bar")).to_have_attribute("value", str(done))
    expect(page.locator("#import-status")).to_have_text("Finished")
    expect(page.locator("#count-created")).to_have_text("30")
    assert_no_full_reload(page)
    with live_server.seeding(), org_context(org_id):
        assert db.session.scalar(sa.select(LeadImport.status).where(LeadImport.id == import_id)) == "finished"
