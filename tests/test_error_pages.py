"""A database error inside a request still gets the app's own error page, with its top bar."""

import sqlalchemy as sa

from crm.extensions import db
from crm.services import products
from tests.helpers import text_of


def test_a_failed_statement_shows_the_500_page_with_the_top_bar(app, admin_a, org_a, monkeypatch):
    def broken(*args, **kwargs):
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(products, "list_products", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = admin_a.get(f"/{org_a.slug}/products/")
    assert response.status_code == 500
    page = text_of(response)
    assert "Something went wrong on our side" in page
    # On PostgreSQL the failed statement aborts the transaction: without a rollback the
    # page's own queries (the bell's count, the organization switcher) fail as well.
    assert 'id="notification-bell"' in response.get_data(as_text=True) and org_a.name in page
