"""PostgreSQL: the companies, contacts and global searches use their indexes under row-level security.

Under RLS only leakproof conditions may drive an index scan, so a search written with
``lower()`` or ``LIKE`` reads every row of the organization, however it is indexed. These
tests seed one organization with a few thousand companies, contacts (with their emails and
phones) and leads, ANALYZE, then run the app's own queries (captured from the services, with
their parameters) as the app role inside the organization, and read the plans PostgreSQL
chooses on its own: every search must start from the ``(org_id, column COLLATE crm_ci)``
indexes (migrations 0004 and 0005), and no searched table may be read by a sequential scan.
"""

import re

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.services import companies
from crm.services import contacts
from crm.services import listing
from crm.services import search
from tenants.context import org_context
from tests.conftest import pg_urls

pytestmark = pytest.mark.postgres

COMPANIES, CONTACTS, LEADS = 3000, 5000, 3000
FIRST = ["Ada", "Grace", "Alan", "Linus", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken",
         "Radia", "John", "Sophie", "Tim", "Karen", "Dennis", "Hedy", "Claude", "Jean", "Niklaus"]
LAST = ["Smith", "Jones", "Garcia", "Kim", "Okafor", "Rossi", "Novak", "Tanaka", "Lovelace", "Hopper",
        "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Hamilton", "Thompson", "Perlman", "McCarthy", "Wilson",
        "Spärck", "Berners", "Ritchie", "Lamarr", "Shannon", "Sammet", "Wirth", "Backus", "Kay", "Engelbart",
        "Hoare", "Milner", "Church", "Gödel", "Noether", "Curie", "Meitner", "Franklin", "Goodall", "Bell"]
# Company names: 20 beginnings x 15 endings, "Globex 17", "Northwind 242" ...: a few letters
# match about one company in a hundred, as with real names.
STARTS = ["North", "Glo", "Ini", "Umb", "Hoo", "Van", "Ac", "Sta", "Way", "Ty", "Cyber", "Soy", "Won", "Grin", "Mon",
          "Aper", "Black", "Os", "Mas", "Dun"]
ENDS = ["wind", "bex", "tech", "rella", "li", "delay", "me", "rk", "ne", "rell", "dyne", "lent", "ka", "gotts", "arch"]


@pytest.fixture
def seeded_org(app, org_a):
    """Org A with a few thousand of each searched record, written as the owner, then analysed."""
    _, owner_url = pg_urls()
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    params = {"org": org_a.id, "first": FIRST, "last": LAST, "starts": STARTS, "ends": ENDS}
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO companies (org_id, name, domain, lifecycle_stage, custom_fields, created_at, updated_at) "
            "SELECT :org, word || ' ' || i, lower(word) || i || '.example', "
            "       'lead', '{}', now(), now() "
            f"FROM generate_series(1, {COMPANIES}) AS i, "
            "     LATERAL (SELECT (CAST(:starts AS text[]))[1 + i % 20] || (CAST(:ends AS text[]))[1 + i / 20 % 15]) "
            "     AS w(word)"), params)
        conn.execute(sa.text(
            "INSERT INTO contacts (org_id, first_name, last_name, email, phone, company_id, created_at, updated_at) "
            "SELECT :org, (CAST(:first AS text[]))[1 + i % 20], (CAST(:last AS text[]))[1 + i % 40], "
            "       'c' || i || '@work.example', "
            "       CASE WHEN i % 5 <> 0 THEN '+1' || (201 + i % 797) || '555' || lpad((i % 10000)::text, 4, '0') END, "
            "       (SELECT min(id) FROM companies WHERE org_id = :org) + i % :companies, now(), now() "
            f"FROM generate_series(1, {CONTACTS}) AS i"), {**params, "companies": COMPANIES})
        conn.execute(sa.text(
            "INSERT INTO contact_emails (org_id, contact_id, email, kind, is_primary) "
            "SELECT org_id, id, email, 'work', true FROM contacts WHERE org_id = :org "
            "UNION ALL SELECT org_id, id, 'p' || id || '@home.example', 'personal', false "
            "FROM contacts WHERE org_id = :org AND id % 2 = 0"), params)
        conn.execute(sa.text(
            "INSERT INTO contact_phones (org_id, contact_id, number, kind, is_primary) "
            "SELECT org_id, id, phone, 'mobile', true FROM contacts WHERE org_id = :org AND phone IS NOT NULL"), params)
        conn.execute(sa.text(
            "INSERT INTO leads (org_id, first_name, last_name, email, phone, company_name, status, custom_fields, "
            "                   created_at, updated_at) "
            "SELECT :org, (CAST(:first AS text[]))[1 + i % 20], (CAST(:last AS text[]))[1 + (i * 7) % 40], "
            "       'l' || i || '@lead.example', '+1' || (201 + i % 797) || '556' || lpad((i % 10000)::text, 4, '0'), "
            "       (CAST(:starts AS text[]))[1 + i % 20] || (CAST(:ends AS text[]))[1 + i / 20 % 15] || ' Ltd', "
            "       'new', '{}', now(), now() "
            f"FROM generate_series(1, {LEADS}) AS i"), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("companies", "contacts", "contact_emails", "contact_phones", "leads"):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    engine.dispose()
    return org_a


def _captured(org, run) -> list[tuple[str, dict]]:
    """The statements ``run`` sends to the database, with their parameters."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with org_context(org.id):
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            run()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        db.session.rollback()
    return [(s, p) for s, p in statements if not s.lstrip().upper().startswith(("SELECT SET_CONFIG", "SET "))]


def _plan(org, statement: str, parameters) -> str:
    """EXPLAIN as the app role inside the organization: row-level security is live."""
    with org_context(org.id):
        assert not db.session.scalar(sa.text(
            "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user")), "not the app role"
        assert db.session.scalar(sa.text("SELECT current_setting('enable_seqscan')")) == "on"
        plan = db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        db.session.rollback()
    return "\n".join(plan)


def _index_scans(plan: str) -> set[str]:
    return set(re.findall(r"(?:Bitmap Index Scan on|Index Scan using|Index Only Scan using) (\w+)", plan))


def _assert_searches_by_index(plan: str, tables: tuple[str, ...], indexes: set[str]) -> None:
    for table in tables:
        assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    missing = indexes - _index_scans(plan)
    assert not missing, f"{sorted(missing)} not used:\n{plan}"


def _list_statements(org, spec, query_factory, q: str) -> list[tuple[str, dict]]:
    """The count and the page of a record list searched for ``q``."""
    statements = _captured(org, lambda: listing.paginate(spec, listing.parse_state(spec, {"q": q}), query_factory()))
    assert len(statements) == 2, [s for s, _ in statements]
    return statements


def test_the_company_list_search_uses_the_name_and_domain_indexes(app, seeded_org):
    for statement, parameters in _list_statements(seeded_org, companies.LIST, companies.list_query, "globex"):
        _assert_searches_by_index(_plan(seeded_org, statement, parameters), ("companies",),
                                  {"ix_companies_org_id_name_ci", "ix_companies_org_id_domain_ci"})


def test_the_contact_list_search_uses_the_indexes_of_names_emails_and_companies(app, seeded_org):
    expected = {"ix_contacts_org_id_first_name_ci", "ix_contacts_org_id_last_name_ci", "ix_contacts_org_id_email_ci",
                "ix_contact_emails_org_id_email_ci", "ix_companies_org_id_name_ci", "ix_companies_org_id_domain_ci"}
    # Not "companies": the page joins each contact's company to show it, and for a few dozen
    # contacts of a one-organization test database hashing the companies read in one scan is
    # cheaper than looking each up; the search's own use of companies is the index scans.
    for statement, parameters in _list_statements(seeded_org, contacts.LIST, contacts.list_query, "smi"):
        _assert_searches_by_index(_plan(seeded_org, statement, parameters), ("contacts", "contact_emails"), expected)


def test_a_phone_number_typed_in_national_format_uses_the_phone_indexes(app, seeded_org):
    for statement, parameters in _list_statements(seeded_org, contacts.LIST, contacts.list_query, "(415) 555-02"):
        _assert_searches_by_index(_plan(seeded_org, statement, parameters), ("contacts", "contact_phones"),
                                  {"ix_contacts_org_id_phone_ci", "ix_contact_phones_org_id_number_ci"})


def test_the_global_search_uses_the_indexes_of_every_kind(app, seeded_org):
    statements = _captured(seeded_org, lambda: search.search("smi", set(search.KINDS)))
    assert len(statements) == 3, [s for s, _ in statements]
    expected = {
        "companies": {"ix_companies_org_id_name_ci", "ix_companies_org_id_domain_ci"},
        "contacts": {"ix_contacts_org_id_first_name_ci", "ix_contacts_org_id_last_name_ci",
                     "ix_contact_emails_org_id_email_ci", "ix_companies_org_id_name_ci"},
        "leads": {"ix_leads_org_id_first_name_ci", "ix_leads_org_id_last_name_ci", "ix_leads_org_id_email_ci",
                  "ix_leads_org_id_company_name_ci"},
    }
    for (statement, parameters), kind in zip(statements, search.KINDS):
        assert f"FROM {kind}" in statement, statement
        _assert_searches_by_index(_plan(seeded_org, statement, parameters),
                                  ("companies", "contacts", "contact_emails", "leads"), expected[kind])
