"""Two members converting the same lead at the same moment: one conversion, one clear refusal."""

import threading

import pytest

from crm.services import conversion
from tests.conftest import ON_POSTGRES
from tests.conversion.support import convert_form
from tests.conversion.support import counts
from tests.conversion.support import lead
from tests.conversion.support import make_lead
from tests.helpers import text_of


@pytest.mark.postgres
def test_two_requests_converting_one_lead_at_once_convert_it_once(app, admin_a, org_a, monkeypatch):
    """Both requests have loaded the lead and seen it unconverted before either locks it: the
    barrier releases them together, so the second must wait for the first's row lock and then
    find the lead converted."""
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: SQLite serialises writers")
    lead_id = make_lead(org_a)
    manager = app.test_client()
    assert manager.login("sales.manager@acme.example").status_code == 302
    form = convert_form(org_a)
    barrier = threading.Barrier(2, timeout=30)
    original = conversion._lock

    def lock_together(row):
        assert row.converted_at is None  # each request read the lead before the other converted it
        barrier.wait()
        return original(row)

    monkeypatch.setattr(conversion, "_lock", lock_together)
    responses = {}

    def convert(name, client):
        responses[name] = client.post(f"/acme/leads/{lead_id}/convert", data=form)

    threads = [threading.Thread(target=convert, args=(name, client)) for name, client in
               (("admin", admin_a), ("manager", manager))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r.status_code for r in responses.values()) == [303, 409]
    refused = next(r for r in responses.values() if r.status_code == 409)
    assert "This lead was converted on" in text_of(refused)
    assert counts(org_a) == {"companies": 1, "contacts": 1, "opportunities": 1}
    converted = lead(org_a, lead_id)
    assert converted.status == "converted" and converted.converted_opportunity_id is not None
