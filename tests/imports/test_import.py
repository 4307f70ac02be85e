"""A whole import through its pages: counts, validation row by row, duplicates, what applies
to every row, and the rejected rows file."""

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Campaign
from crm.models import Lead
from crm.models import LeadImportRow
from crm.models import LeadTag
from crm.models import Tag
from crm.models import User
from tests.helpers import tenant
from tests.helpers import text_of
from tests.imports.support import HEADER
from tests.imports.support import csv_bytes
from tests.imports.support import lead_emails
from tests.imports.support import people
from tests.imports.support import rows_of_csv
from tests.imports.support import run_import
from tests.imports.support import the_import


def test_a_clean_file_creates_every_lead_and_says_so(admin_a, org_a):
    import_id = run_import(admin_a, "acme", csv_bytes(people(25)))
    imp = the_import(org_a, import_id)
    assert (imp.status, imp.total_rows, imp.rows_done, imp.created_count) == ("finished", 25, 25, 25)
    assert lead_emails(org_a) == sorted(f"person{i}@example.com" for i in range(25))
    page = text_of(admin_a.get(f"/acme/leads/imports/{import_id}"))
    assert "Finished" in page and "25 of 25 rows done" in page
    assert "Download rejected rows" not in page


def _rows(org, import_id):
    with tenant(org):
        return {r.row_number: r for r in db.session.execute(
            sa.select(LeadImportRow.row_number, LeadImportRow.outcome, LeadImportRow.reason)
            .where(LeadImportRow.import_id == import_id))}


def test_bad_rows_are_reported_one_by_one_and_the_good_ones_imported(admin_a, org_a):
    rows = [
        ["Ada", "Lovelace", "ADA@Example.com ", "Analytical", "Countess", "+44 20 7946 0958"],  # row 2
        ["Bad", "Email", "not-an-email", "", "", ""],  # row 3
        ["Long", "L" * 101, "long@example.com", "", "", ""],  # row 4
        ["Bad", "Phone", "phone@example.com", "", "", "12"],  # row 5
        ["", "", "", "Nameless Inc", "", ""],  # row 6
        ["Dup", "Later", "ada@example.com", "", "", ""],  # row 7: same email as row 2
        ["Extra", "Cells", "extra@example.com", "", "", "", "spill-over"],  # row 8
        ["Grace", "Hopper", "grace@example.com", "", "", ""],  # row 9
    ]
    import_id = run_import(admin_a, "acme", csv_bytes(rows))
    imp = the_import(org_a, import_id)
    assert (imp.created_count, imp.updated_count, imp.skipped_count, imp.failed_count) == (2, 0, 1, 5)
    assert imp.rows_done == imp.total_rows == 8
    assert lead_emails(org_a) == ["ada@example.com", "grace@example.com"]
    reasons = {n: r.reason for n, r in _rows(org_a, import_id).items() if r.outcome != "created"}
    assert "not a valid email address" in reasons[3]
    assert "Keep the last name to 100 characters or fewer" in reasons[4]
    assert "not a valid phone number" in reasons[5]
    assert "Enter a name or an email address" in reasons[6]
    assert reasons[7] == "Same email as row 2 of this file."
    assert "header has 6 columns" in reasons[8]
    with tenant(org_a):
        ada = db.session.scalar(sa.select(Lead).where(Lead.email == "ada@example.com"))
        assert (ada.phone, ada.company_name, ada.title, ada.status) == ("+442079460958", "Analytical", "Countess", "new")


def test_the_rejected_rows_file_has_the_original_cells_the_row_and_the_reason(admin_a, org_a):
    rows = [["Ok", "Fine", "ok@example.com", "", "", ""],
            ["=HYPERLINK(\"http://evil.example\")", "Formula", "not-valid", "+cmd", "@SUM(A1)", ""],
            ["Dup", "Row", "ok@example.com", "", "", ""]]
    import_id = run_import(admin_a, "acme", csv_bytes(rows))
    page = admin_a.get(f"/acme/leads/imports/{import_id}")
    assert "Download rejected rows (CSV)" in page.get_data(as_text=True)
    response = admin_a.get(f"/acme/leads/imports/{import_id}/rejected.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "rejected rows.csv" in response.headers["Content-Disposition"]
    table = rows_of_csv(response.get_data(as_text=True))
    assert table[0] == [*HEADER, "Row", "Reason"]
    formula, duplicate = table[1], table[2]
    assert formula[:6] == ["'=HYPERLINK(\"http://evil.example\")", "Formula", "not-valid", "'+cmd", "'@SUM(A1)", ""]
    assert formula[6] == "3" and "not a valid email address" in formula[7]
    assert duplicate[6:] == ["4", "Same email as row 2 of this file."]


def test_formula_cells_are_stored_as_plain_text_and_neutralized_on_export(admin_a, org_a):
    rows = [["=1+1", "-Minus", "formula@example.com", "@Company", "+Title", ""]]
    run_import(admin_a, "acme", csv_bytes(rows))
    with tenant(org_a):
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "formula@example.com"))
        assert (lead.first_name, lead.last_name, lead.company_name, lead.title) == ("=1+1", "-Minus", "@Company", "+Title")
    export = rows_of_csv(admin_a.get("/acme/leads/export.csv").get_data(as_text=True))
    assert export[1][:6] == ["'=1+1", "'-Minus", "formula@example.com", "", "'@Company", "'+Title"]


def test_skip_policy_leaves_existing_leads_alone(admin_a, org_a):
    with tenant(org_a):
        db.session.add(Lead(first_name="Old", last_name="Name", email="person1@example.com", title="Keep"))
        db.session.commit()
    import_id = run_import(admin_a, "acme", csv_bytes(people(3)), duplicate_policy="skip")
    imp = the_import(org_a, import_id)
    assert (imp.created_count, imp.updated_count, imp.skipped_count) == (2, 0, 1)
    with tenant(org_a):
        old = db.session.scalar(sa.select(Lead).where(Lead.email == "person1@example.com"))
        assert (old.first_name, old.title) == ("Old", "Keep")
        row = db.session.scalar(sa.select(LeadImportRow).where(LeadImportRow.row_number == 3))
        assert row.outcome == "skipped" and row.lead_id == old.id
        assert row.reason == f"A lead with this email already exists (lead #{old.id})."
    assert len(lead_emails(org_a)) == 3


def test_update_policy_fills_the_existing_lead_matched_by_email_in_any_case(admin_a, org_a):
    with tenant(org_a):
        db.session.add(Lead(first_name="Old", last_name="Name", email="Person1@Example.com", title="Keep",
                            company_name="Old Co"))
        db.session.commit()
    rows = [["New", "", "Person1@EXAMPLE.com", "", "Director", ""]]
    import_id = run_import(admin_a, "acme", csv_bytes(rows), duplicate_policy="update", source="webinar",
                           new_campaign="Spring webinar", tag="webinar-2027")
    imp = the_import(org_a, import_id)
    assert (imp.created_count, imp.updated_count, imp.skipped_count) == (0, 1, 0)
    with tenant(org_a):
        (lead,) = db.session.scalars(sa.select(Lead)).all()
        # the file's non-empty cells win, its empty ones change nothing
        assert (lead.first_name, lead.last_name, lead.title, lead.company_name) == ("New", "Name", "Director", "Old Co")
        assert lead.source == "webinar" and lead.campaign_id is not None
        tag = db.session.scalar(sa.select(Tag).where(Tag.name == "webinar-2027"))
        assert db.session.scalar(sa.select(LeadTag.lead_id).where(LeadTag.tag_id == tag.id)) == lead.id


def test_campaign_source_owner_and_tag_apply_to_every_new_lead(admin_a, org_a):
    with tenant(org_a):
        rep = db.session.scalar(sa.select(User).where(User.email == "sales.rep@acme.example"))
        db.session.add(Campaign(name="Trade Fair", name_key="trade fair"))
        db.session.commit()
    import_id = run_import(admin_a, "acme", csv_bytes(people(4)), source="event", owner_id=str(rep.id),
                           new_campaign="TRADE FAIR", tag="fair")
    with tenant(org_a):
        campaigns = db.session.scalars(sa.select(Campaign)).all()
        assert len(campaigns) == 1  # the name was matched whatever its case, not created again
        leads = db.session.scalars(sa.select(Lead)).all()
        assert {(l.source, l.owner_id, l.campaign_id, l.created_by_id is not None) for l in leads} == {
            ("event", rep.id, campaigns[0].id, True)}
        tag_id = db.session.scalar(sa.select(Tag.id).where(Tag.name == "fair"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadTag).where(LeadTag.tag_id == tag_id)) == 4
        campaign_id = campaigns[0].id
    assert the_import(org_a, import_id).campaign_id == campaign_id


def test_the_import_goes_chunk_by_chunk_with_exact_counts(admin_a, org_a, monkeypatch):
    from crm.services.lead_import import processing

    monkeypatch.setattr(processing, "CHUNK_ROWS", 7)
    monkeypatch.setattr(processing, "WINDOW_BYTES", 64)  # windows smaller than some rows: they grow
    data = people(30) + [["Same", "Again", "person3@example.com", "", "", ""]] + [["", "", "bad", "", "", ""]]
    import_id = run_import(admin_a, "acme", csv_bytes(data))
    imp = the_import(org_a, import_id)
    assert (imp.status, imp.created_count, imp.skipped_count, imp.failed_count, imp.rows_done) == ("finished", 30, 1, 1, 32)
    assert len(lead_emails(org_a)) == 30
    assert _rows(org_a, import_id)[32].reason == "Same email as row 5 of this file."  # found in an earlier chunk


def test_the_finished_import_notifies_the_importer_and_the_owner(app, admin_a, org_a):
    from crm.models import Notification

    with tenant(org_a):
        rep = db.session.scalar(sa.select(User).where(User.email == "sales.rep@acme.example"))
    run_import(admin_a, "acme", csv_bytes(people(2)), owner_id=str(rep.id))
    with tenant(org_a):
        notes = {n.user_id: n.message for n in db.session.scalars(sa.select(Notification))}
    assert "imported 2 leads and assigned them to you" in notes[rep.id]


def test_quoted_newlines_and_delimiters_inside_cells_are_imported_as_they_are(admin_a, org_a, monkeypatch):
    from crm.services.lead_import import processing

    monkeypatch.setattr(processing, "WINDOW_BYTES", 40)  # windows end inside the quoted cells
    data = ('First Name;Last Name;E-mail;Job Title\r\n'
            'Ada;Lovelace;ada@example.com;"Countess;\r\nof Lovelace"\r\n'
            'Grace;"Hopper\nRear Admiral";grace@example.com;"Navy, ""Amazing Grace"""\r\n').encode()
    import_id = run_import(admin_a, "acme", data, fields=["first_name", "last_name", "email", "title"])
    assert the_import(org_a, import_id).created_count == 2
    with tenant(org_a):
        titles = dict(db.session.execute(sa.select(Lead.email, Lead.title)).all())
        grace = db.session.scalar(sa.select(Lead.last_name).where(Lead.email == "grace@example.com"))
    assert titles == {"ada@example.com": "Countess;\r\nof Lovelace", "grace@example.com": 'Navy, "Amazing Grace"'}
    assert grace == "Hopper\nRear Admiral"


def test_another_organization_sees_none_of_the_imports(admin_a, org_a, org_b, other_client):
    import_id = run_import(admin_a, "acme", csv_bytes(people(2)), name="acme-secret.csv")
    other_client.login("admin@bravo.example")
    assert "acme-secret.csv" not in other_client.get("/bravo/leads/imports/").get_data(as_text=True)
    for path in ("", "/progress", "/rejected.csv"):
        assert other_client.get(f"/bravo/leads/imports/{import_id}{path}").status_code == 404


def test_a_deleted_lead_with_the_same_email_is_not_a_duplicate(admin_a, org_a):
    from crm import clock

    with tenant(org_a):
        db.session.add(Lead(last_name="Gone", email="person0@example.com", deleted_at=clock.now()))
        db.session.commit()
    import_id = run_import(admin_a, "acme", csv_bytes(people(1)))
    assert the_import(org_a, import_id).created_count == 1
    assert lead_emails(org_a) == ["person0@example.com"]  # the live one, new
