"""The opportunity list: each filter the dashboard links with, sorts, notices, export, queries."""

import re
from decimal import Decimal

import pytest

from tests.helpers import counted
from tests.helpers import tenant
from tests.helpers import text_of
from tests.opportunities.records_support import deal
from tests.opportunities.records_support import make_pipeline
from tests.opportunities.records_support import stages_by_kind

ALL = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"}
NAMES = {"alpha": "Alpha renewal", "bravo": "Bravo expansion", "charlie": "Charlie pilot",
         "delta": "Delta won late December", "echo": "Echo won in January", "foxtrot": "Foxtrot lost"}


@pytest.fixture
def deals(org_a):
    return make_pipeline(org_a)


def shown(client, query: str = "") -> list[str]:
    """The deals the list shows, in order (by key)."""
    response = client.get(f"/acme/opportunities/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr id="opportunity-(\d+)"', html)]
    return ids


def keys(deals, ids) -> set[str]:
    by_id = {v: k for k, v in deals.ids.items()}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize("query, expected", [
    ("?status=open", {"alpha", "bravo", "charlie"}),
    ("?status=won", {"delta", "echo"}),
    ("?status=lost", {"foxtrot"}),
    ("?source=referral", {"bravo"}),
    ("?q=char", {"charlie"}),
    ("?q=DELTA%20won", {"delta"}),
    # closed_at in the organization's timezone (New York): 1 Jan 03:00 UTC is 31 December there.
    ("?status=won&closed_from=2026-01-01&closed_to=2026-03-31", {"echo"}),
    ("?closed_to=2025-12-31", {"delta"}),
    ("?closed_from=2026-03-31&closed_to=2026-03-31", {"foxtrot"}),
    ("?close_from=2026-02-01&close_to=2026-03-31", {"alpha", "bravo"}),
    ("?close_to=2026-01-15", {"delta", "echo"}),
])
def test_each_filter_of_the_contract(admin_a, deals, query, expected):
    assert keys(deals, shown(admin_a, query)) == expected


def test_stage_and_owner_filters(admin_a, deals):
    assert keys(deals, shown(admin_a, f"?stage={deals.first}")) == {"alpha", "charlie"}
    assert keys(deals, shown(admin_a, f"?stage={deals.won}")) == {"delta", "echo"}
    assert keys(deals, shown(admin_a, f"?owner={deals.rep}")) == {"alpha", "delta", "echo"}
    assert keys(deals, shown(admin_a, "?owner=none")) == {"charlie"}
    assert keys(deals, shown(admin_a, f"?status=won&closed_from=2026-01-01&closed_to=2026-03-31&owner={deals.rep}")) \
        == {"echo"}


def test_filters_that_make_no_sense_are_ignored_with_a_notice(admin_a, org_a, org_b, deals):
    with tenant(org_b):
        other_stage = stages_by_kind()["open"][0].id
    for query, words in ((f"?stage={other_stage}", "Ignored the stage filter"),
                         ("?status=maybe", "Ignored the status filter"),
                         ("?closed_from=yesterday", "not a date like 2026-03-31"),
                         ("?close_to=2026-02-30", "not a date like 2026-03-31"),
                         ("?owner=99999999999999999999", "Ignored the owner filter"),
                         ("?sort=secret", "Cannot sort by"),
                         ("?q=%00Alpha", None)):
        response = admin_a.get(f"/acme/opportunities/{query}")
        assert response.status_code == 200, query
        if words:
            assert words in text_of(response), query
    assert keys(deals, shown(admin_a, f"?stage={other_stage}")) == ALL


@pytest.mark.parametrize("sort, first, last", [
    ("name", "alpha", "foxtrot"), ("-name", "foxtrot", "alpha"),
    ("value", "charlie", "delta"), ("-value", "delta", "charlie"),
    ("expected_close_on", "delta", "foxtrot"),  # no date sorts last
    ("stage", None, None), ("owner", None, None), ("created_at", None, None),
])
def test_sortable_columns(admin_a, deals, sort, first, last):
    ids = shown(admin_a, f"?sort={sort}")
    assert len(ids) == 6
    if first:
        assert ids[0] == deals.ids[first] and ids[-1] == deals.ids[last]


def test_sort_pages_follow_on_without_gaps(admin_a, org_a, deals):
    with tenant(org_a):
        stage = stages_by_kind()["open"][0]
        for i in range(30):
            deal(f"Bulk {i:02d}", stage, value=str(i % 7 * 10))
        from crm.extensions import db

        db.session.commit()
    for sort in ("value", "-value", "expected_close_on", "stage", "-owner"):
        seen, url = [], f"/acme/opportunities/?sort={sort}&per_page=25"
        while url:
            html = admin_a.get(url).get_data(as_text=True)
            seen += re.findall(r'<tr id="opportunity-(\d+)"', html)
            nxt = re.search(r'href="([^"]+)"[^>]*rel="next"', html)
            url = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert len(seen) == 36 and len(set(seen)) == 36, sort


def test_the_row_shows_company_stage_value_probability_weighted_and_owner_in_the_currency(admin_a, deals):
    text = text_of(admin_a.get("/acme/opportunities/?q=bravo"))
    assert "Bravo expansion" in text and "USD 2,500.50" in text and "90%" in text and "USD 2,250.45" in text
    text = text_of(admin_a.get("/acme/opportunities/?q=alpha"))
    weighted = (Decimal("1000") * deals.first_probability / 100).quantize(Decimal("0.01"))
    assert "Globex Corporation" in text and f"{deals.first_probability}%" in text and f"USD {weighted:,.2f}" in text
    assert "Sales Rep" in text


def test_the_search_fragment_is_only_the_results(admin_a, deals):
    response = admin_a.get("/acme/opportunities/?q=alpha", headers={"HX-Request": "true", "HX-Target": "results"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results"') and "Alpha renewal" in html and "<html" not in html


def test_export_follows_the_filter(admin_a, deals):
    response = admin_a.get("/acme/opportunities/export.csv?status=won")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Delta won late December" in body and "Echo won in January" in body and "Alpha" not in body
    assert "5000.00" in body


def _list_queries(client, per_page: int) -> int:
    with counted() as statements:
        assert client.get(f"/acme/opportunities/?per_page={per_page}").status_code == 200
    return len(statements)


def test_list_queries_do_not_grow_with_the_rows(admin_a, org_a, deals):
    few = _list_queries(admin_a, 25)
    with tenant(org_a):
        from crm.extensions import db

        stages = stages_by_kind()["open"]
        for i in range(80):
            deal(f"More {i}", stages[i % len(stages)], value="10", owner_id=deals.rep, company_id=deals.company)
        db.session.commit()
    many = _list_queries(admin_a, 100)
    assert few == many, f"{few} queries for 6 rows, {many} for 86"
    assert many <= 12, many


def test_a_filter_can_be_saved_as_a_view_and_opened_again(admin_a, deals):
    response = admin_a.post("/acme/views", data={"entity": "opportunities", "name": "Won this quarter",
                                                 "query": "status=won&closed_from=2026-01-01&closed_to=2026-03-31"})
    assert response.status_code in (200, 303)
    page = admin_a.get("/acme/opportunities/").get_data(as_text=True)
    assert "Won this quarter" in page
    assert "status=won&amp;closed_from=2026-01-01&amp;closed_to=2026-03-31" in page
