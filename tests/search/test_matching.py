"""What the search boxes find, the same on SQLite and PostgreSQL (run on both).

Companies, contacts, leads and the global search share one matching (crm/services/
text_search.py): every word starts a field, ignoring case, or the whole term does; digits
match phone numbers from the start, typed with or without the country code and in any
formatting; ``%`` and ``_`` are plain characters. It is a prefix match, not a substring one.
"""

import pytest

from crm.extensions import db
from crm.models import Company
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import Lead
from crm.services import companies
from crm.services import contacts
from crm.services import leads
from crm.services import listing
from crm.services import search
from tenants.context import org_context


@pytest.fixture
def records(app, org_a, org_b):
    """A few companies, contacts and leads in A, and look-alikes in B that must never show."""
    for org, prefix in ((org_a, ""), (org_b, "Bravo ")):
        with org_context(org.id):
            globex = Company(name=f"{prefix}Globex Corporation", domain="globex.example")
            engines = Company(name=f"{prefix}Analytical Engines", domain="engines.example")
            db.session.add_all([
                globex, engines, Company(name=f"{prefix}Raincoats Ltd", domain="umbrella.example"),
                Company(name=f"{prefix}Umbrella Corp"), Company(name=f"{prefix}100% Orange"),
                Company(name=f"{prefix}1000 Lakes"), Company(name=f"{prefix}A_B Partners"),
                Company(name=f"{prefix}AXB Partners"),
            ])
            db.session.flush()
            grace = Contact(first_name="Grace", last_name=f"{prefix}Hopper", email="grace@navy.example",
                            phone="+14155550100", company_id=globex.id)
            ada = Contact(first_name="Ada", last_name=f"{prefix}Lovelace", email="ada@engines.example",
                          phone="+442079460958", company_id=engines.id)
            ann = Contact(first_name="Ann", last_name=f"{prefix}Lee", email="ann_lee@corp.example")
            anx = Contact(first_name="Anx", last_name=f"{prefix}Lee", email="annxlee@corp.example")
            db.session.add_all([grace, ada, ann, anx])
            db.session.flush()
            db.session.add_all([
                ContactEmail(contact_id=grace.id, email="grace@navy.example", is_primary=True),
                ContactEmail(contact_id=grace.id, email="amazing.grace@home.example"),
                ContactPhone(contact_id=grace.id, number="+14155550100", is_primary=True),
                ContactPhone(contact_id=grace.id, number="+16175550111"),
                ContactEmail(contact_id=ada.id, email="ada@engines.example", is_primary=True),
                ContactPhone(contact_id=ada.id, number="+442079460958", is_primary=True),
                ContactEmail(contact_id=ann.id, email="ann_lee@corp.example", is_primary=True),
                ContactEmail(contact_id=anx.id, email="annxlee@corp.example", is_primary=True),
                Lead(first_name="Frank", last_name=f"{prefix}Grimes", email="frank.grimes@power.example",
                     phone="+13125550142", company_name="Springfield Power"),
                Lead(first_name="Alan", last_name=f"{prefix}Turing", company_name="Bletchley Park"),
            ])
            db.session.commit()
    return org_a


def _names(rows) -> list[str]:
    return sorted(getattr(row, "name", None) or row.full_name for row in rows)


def _listed(org, spec, query, q: str) -> list[str]:
    with org_context(org.id):
        page = listing.paginate(spec, listing.parse_state(spec, {"q": q}), query())
        names = _names(page.rows)
        db.session.rollback()
    return names


def companies_found(org, q):
    return _listed(org, companies.LIST, companies.list_query, q)


def contacts_found(org, q):
    return _listed(org, contacts.LIST, contacts.list_query, q)


def leads_found(org, q):
    return _listed(org, leads.LIST, leads.list_query, q)


@pytest.mark.parametrize("q, expected", [
    ("glob", ["Globex Corporation"]),                            # the start of the name
    ("GLOBEX", ["Globex Corporation"]),                          # in any case
    ("globex.ex", ["Globex Corporation"]),                       # the start of the domain
    ("umbrella", ["Raincoats Ltd", "Umbrella Corp"]),            # name or domain
    ("globex corp", ["Globex Corporation"]),                     # two words: the whole term starts the name
    ("umbrella corp", ["Umbrella Corp"]),
    ("corp", []),                                                # a prefix, not a word in the middle
    ("bex", []),                                                 # nor a substring
    ("100%", ["100% Orange"]),                                   # % is a character, not "anything"
    ("a_b", ["A_B Partners"]),                                   # _ is a character, not "any one"
    ("%", []),
    ("_", []),
])
def test_companies_by_the_start_of_their_name_or_domain(records, q, expected):
    assert companies_found(records, q) == expected


@pytest.mark.parametrize("q, expected", [
    ("gra", ["Grace Hopper"]),                                   # first name
    ("HOPP", ["Grace Hopper"]),                                  # last name, any case
    ("grace@nav", ["Grace Hopper"]),                             # primary email
    ("amazing.grace", ["Grace Hopper"]),                         # another of her emails
    ("analytical", ["Ada Lovelace"]),                            # her company's name
    ("engines.example", ["Ada Lovelace"]),                       # her company's web domain
    ("ada love", ["Ada Lovelace"]),                              # every word starts a field
    ("ada hopper", []),
    ("(415) 555-0100", ["Grace Hopper"]),                        # a phone as typed in national format
    ("415 555", ["Grace Hopper"]),                               # its beginning
    ("4155550100", ["Grace Hopper"]),
    ("+1 415 555", ["Grace Hopper"]),                            # with the country code
    ("617-555-0111", ["Grace Hopper"]),                          # another of her numbers
    ("+44 20 7946", ["Ada Lovelace"]),
    ("555 0100", []),                                            # the middle of a number
    ("velace", []),                                              # a prefix, not a substring
    ("navy.example", []),                                        # nor the domain part of an email
    ("ann_", ["Ann Lee"]),                                       # _ is a character, not "any one"
    ("ann%lee", []),                                             # % is a character, not "anything"
])
def test_contacts_by_name_email_company_or_phone(records, q, expected):
    assert contacts_found(records, q) == expected


@pytest.mark.parametrize("q, expected", [
    ("FRA", ["Frank Grimes"]),
    ("frank.grimes@power", ["Frank Grimes"]),
    ("springfield", ["Frank Grimes"]),
    ("springfield pow", ["Frank Grimes"]),                       # two words of one field: the whole term
    ("park", []),                                                # "Bletchley Park": the start of a field only
    ("(312) 555-0142", ["Frank Grimes"]),                        # a phone as typed in national format
    ("312 555", ["Frank Grimes"]),
])
def test_leads_by_name_email_company_or_phone(records, q, expected):
    assert leads_found(records, q) == expected


def _global(org, q) -> dict[str, list[str]]:
    with org_context(org.id):
        results = search.search(q, set(search.KINDS))
        db.session.rollback()
    return {kind: [hit.title for hit in hits] for kind, hits in results.hits.items() if hits}


@pytest.mark.parametrize("q, expected", [
    ("globex", {"companies": ["Globex Corporation"], "contacts": ["Grace Hopper"]}),   # and her company
    ("hopper", {"contacts": ["Grace Hopper"]}),
    ("amazing.grace@", {"contacts": ["Grace Hopper"]}),
    ("(415) 555-0100", {"contacts": ["Grace Hopper"]}),
    ("312 555 0142", {"leads": ["Frank Grimes"]}),
    ("springfield power", {"leads": ["Frank Grimes"]}),
    ("ration", {}),
    ("100%", {"companies": ["100% Orange"]}),
    ("a_b", {"companies": ["A_B Partners"]}),
])
def test_the_global_search_matches_as_the_lists_do(records, q, expected):
    assert _global(records, q) == expected


def test_the_global_search_lists_names_that_start_with_the_term_first(records):
    # "Raincoats Ltd" is found by its domain, umbrella.example: after the name match,
    # though it sorts before it by name.
    assert _global(records, "umbrella")["companies"] == ["Umbrella Corp", "Raincoats Ltd"]
    with org_context(records.id):
        db.session.add(Contact(first_name="Adam", last_name="Aaronson", email="lovelace.fan@example.com"))
        db.session.commit()
    # Aaronson sorts first by last name, but only his email starts with "lovelace".
    assert _global(records, "lovelace")["contacts"] == ["Ada Lovelace", "Adam Aaronson"]


def test_another_organizations_records_are_never_found(records, org_b):
    assert companies_found(org_b, "glob") == ["Bravo Globex Corporation"]
    for q in ("globex", "grace", "(415) 555-0100", "frank", "springfield"):
        found = companies_found(records, q) + contacts_found(records, q) + leads_found(records, q)
        assert found and not any("Bravo" in name for name in found), q
