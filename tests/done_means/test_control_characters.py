"""A NUL byte (or another control character) typed or pasted anywhere is a clear answer,
never a 500: PostgreSQL refuses text holding NUL, even in a comparison."""

import pytest

from tests.done_means.support import RESULTS
from tests.done_means.support import make_records
from tests.helpers import text_of

NUL_QUERY = "q=Pla%00in"


@pytest.mark.parametrize("path", [
    "/acme/companies/", "/acme/contacts/", "/acme/leads/",
    "/acme/companies/export.csv", "/acme/contacts/export.csv", "/acme/leads/export.csv",
])
def test_a_nul_byte_in_a_list_search_is_dropped(admin_a, org_a, path):
    make_records(org_a, "Plain")
    for headers in ({}, RESULTS):
        response = admin_a.get(f"{path}?{NUL_QUERY}", headers=headers)
        assert response.status_code == 200, (path, headers, response.status_code)


@pytest.mark.parametrize("path", ["/acme/search", "/acme/leads/{leads}/merge", "/acme/contacts/{contacts}/merge"])
def test_a_nul_byte_in_the_global_search_and_the_merge_search_is_dropped(admin_a, org_a, path):
    ids = make_records(org_a, "Plain")
    url = path.format(**ids) + "?" + NUL_QUERY
    for headers in ({}, {"HX-Request": "true", "HX-Target": "global-search-results"}):
        response = admin_a.get(url, headers=headers)
        assert response.status_code == 200, (url, headers, response.status_code)
        if path == "/acme/search":
            assert "Plain" in text_of(response), "the NUL byte is dropped, the rest is searched"


def test_a_nul_byte_in_a_role_name_is_refused_with_a_message(admin_a, org_a):
    response = admin_a.post("/acme/admin/roles", data={"name": "Ro\x00le", "permissions": ["dashboard.view"]})
    assert response.status_code == 422
    assert "control character" in text_of(response)


@pytest.mark.parametrize("path, data", [
    ("/login", {"email": "a\x00b@example.com", "password": "x"}),
    ("/signup", {"email": "a\x00b@example.com", "password": "correct horse battery", "name": "N\x00",
                 "organization": "Org\x00", "slug": "org"}),
])
def test_a_nul_byte_in_the_sign_in_and_sign_up_forms_is_refused_with_a_message(client, org_a, path, data):
    response = client.post(path, data=data)
    assert response.status_code in (200, 422), response.status_code
    assert "control character" in text_of(response)
