"""Organization settings: name, currency, timezone."""

import pytest

from tests.admin.support import audit
from tests.admin.support import org_row
from tests.admin.support import user_id
from tests.helpers import text_of

ORIGINAL = {"name": "Acme Inc", "currency": "USD", "timezone": "UTC"}


def test_settings_page_shows_current_values(admin_a, org_a):
    response = admin_a.get("/acme/admin/settings")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Acme Inc"' in html
    assert '<option selected value="USD">' in html or 'value="USD" selected' in html
    assert "/acme/" in text_of(response)


def test_change_name_currency_timezone(admin_a, org_a):
    response = admin_a.post("/acme/admin/settings", data={"name": "  Acme Europe  ", "currency": "EUR", "timezone": "Europe/Paris"})
    assert response.status_code == 302
    assert "Settings saved." in text_of(admin_a.get(response.headers["Location"]))
    assert org_row("acme") == {"name": "Acme Europe", "currency": "EUR", "timezone": "Europe/Paris"}
    [row] = audit(org_a, "settings.update")
    assert row["before"] == ORIGINAL
    assert row["after"] == {"name": "Acme Europe", "currency": "EUR", "timezone": "Europe/Paris"}
    assert row["actor_id"] == user_id("admin@acme.example")
    # The new name is what members see.
    assert "Acme Europe" in text_of(admin_a.get("/acme/"))


def test_saving_unchanged_settings_writes_no_audit_row(admin_a, org_a):
    assert admin_a.post("/acme/admin/settings", data=ORIGINAL).status_code == 302
    assert audit(org_a) == []


@pytest.mark.parametrize("changes, message", [
    ({"timezone": "Mars/Olympus_Mons"}, "Not a valid choice"),
    ({"timezone": ""}, "Not a valid choice"),
    ({"currency": "XXX"}, "Not a valid choice"),
    ({"currency": "usd; drop"}, "Not a valid choice"),
    ({"name": "n" * 121}, "120 characters"),
    ({"name": "   "}, "Give the organization a name."),
])
def test_refusals(admin_a, org_a, org_b, changes, message):
    response = admin_a.post("/acme/admin/settings", data={**ORIGINAL, "name": "Renamed", **changes})
    assert response.status_code == 422
    assert message in text_of(response)
    assert org_row("acme") == ORIGINAL
    assert org_row("bravo")["name"] == "Bravo GmbH"
    assert audit(org_a) == []


def test_settings_are_per_organization(admin_a, org_a, org_b):
    admin_a.post("/acme/admin/settings", data={"name": "Acme", "currency": "GBP", "timezone": "Europe/London"})
    assert org_row("bravo") == {"name": "Bravo GmbH", "currency": "USD", "timezone": "UTC"}
    assert admin_a.post("/bravo/admin/settings", data={"name": "Mine now", "currency": "GBP", "timezone": "UTC"}).status_code == 404
    assert org_row("bravo")["name"] == "Bravo GmbH"
