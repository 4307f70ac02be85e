"""Saved views: save a list's filter under a name, share it, open it, rename and delete it."""

import json
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.extensions import db
from crm.models import Company
from crm.models import SavedView
from crm.models import User
from tenants.context import org_context
from tests.helpers import add_member
from tests.helpers import make_org

HX = {"HX-Request": "true", "HX-Target": "saved-views"}


def _hx(current_url: str | None = None) -> dict:
    headers = dict(HX)
    if current_url:
        headers["HX-Current-URL"] = f"http://localhost{current_url}"
    return headers


def text_of(response) -> str:
    """The visible text, entities decoded and spaces folded."""
    return " ".join(BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ").split())


def _views(org) -> list:
    """The organization's saved views as plain rows (readable after the organization is left)."""
    with org_context(org.id):
        return db.session.execute(sa.select(SavedView.id, SavedView.owner_id, SavedView.entity, SavedView.name,
                                            SavedView.query, SavedView.shared).order_by(SavedView.id)).all()


def _user_id(email: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def _companies(org, *names, **fields) -> None:
    with org_context(org.id):
        db.session.add_all(Company(name=name, **fields) for name in names)
        db.session.commit()


def _menu_links(response) -> dict[str, str]:
    """The Views menu: view name -> link."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {a.get_text(strip=True): a["href"] for a in soup.select(".saved-views-list li > a")}


def test_save_the_current_filter_with_htmx_and_open_it(app, admin_a, org_a):
    _companies(org_a, "Acme Rockets", "Acme Anvils", lifecycle_stage="customer")
    _companies(org_a, "Acme Prospects", "Bolt Industries")
    current = "/acme/companies/?q=acme&lifecycle_stage=customer&sort=-created_at&after=WzEsMl0"
    response = admin_a.post("/acme/views", data={"entity": "companies", "name": "Acme customers", "query": "stale=1"},
                            headers=_hx(current))
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Saved the view “Acme customers”."
    assert "<html" not in response.get_data(as_text=True)
    # The browser's address (pushed by the list as it is filtered) wins over the page's stale hidden field,
    # and the page cursor is not kept: a view opens on its first page.
    [view] = _views(org_a)
    assert (view.entity, view.name, view.shared, view.owner_id) == ("companies", "Acme customers", False, _user_id("admin@acme.example"))
    assert view.query == "q=acme&sort=-created_at&lifecycle_stage=customer"
    assert _menu_links(response) == {"Acme customers": "/acme/companies/?q=acme&sort=-created_at&lifecycle_stage=customer"}

    page = admin_a.get(_menu_links(admin_a.get("/acme/companies/"))["Acme customers"])
    assert page.status_code == 200
    shown = text_of(page)
    assert "Acme Rockets" in shown and "Acme Anvils" in shown
    assert "Acme Prospects" not in shown and "Bolt Industries" not in shown


def test_save_without_javascript_redirects_to_the_view(app, admin_a, org_a):
    response = admin_a.post("/acme/views", data={"entity": "companies", "name": "  By segment ", "shared": "1",
                                                 "query": "segment=SMB&sort=name&before=abc"})
    assert response.status_code == 303
    assert response.location == "/acme/companies/?sort=name&segment=SMB"
    page = admin_a.get(response.location)
    assert "Saved the view “By segment” and shared it with the organization." in text_of(page)
    assert _menu_links(page) == {"By segment": "/acme/companies/?sort=name&segment=SMB"}
    assert _views(org_a)[0].name == "By segment" and _views(org_a)[0].shared


def test_values_the_list_does_not_understand_are_not_saved(app, admin_a, org_a):
    admin_a.post("/acme/views", data={"entity": "companies", "name": "Odd", "query": "sort=nonsense&lifecycle_stage=bogus&q=x&per_page=7"})
    assert _views(org_a)[0].query == "q=x&sort=name"


def test_the_list_page_offers_the_menu_and_the_save_form(app, admin_a, org_a):
    page = admin_a.get("/acme/companies/?q=rock&segment=SMB")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    form = soup.select_one("#saved-views form[action='/acme/views']")
    assert form is not None and form["hx-post"] == "/acme/views"
    fields = {i["name"]: i.get("value") for i in form.select("input")}
    assert fields["entity"] == "companies"
    assert fields["query"] == "q=rock&sort=name&segment=SMB"
    assert soup.select_one("#saved-view-name")["maxlength"] == "80"
    assert "No saved views of companies yet." in soup.select_one("#saved-views").get_text()


def test_invalid_names_come_back_as_the_fragment_with_422(app, admin_a, org_a):
    for name, message in (("", "Give the view a name."), ("x" * 81, "Keep the view's name to 80 characters or fewer (it has 81).")):
        response = admin_a.post("/acme/views", data={"entity": "companies", "name": name}, headers=_hx())
        assert response.status_code == 422
        assert message in text_of(response)
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _views(org_a) == []


def test_a_duplicate_name_for_the_same_list_is_refused(app, admin_a, org_a, client):
    assert admin_a.post("/acme/views", data={"entity": "companies", "name": "Hot"}).status_code == 303
    response = admin_a.post("/acme/views", data={"entity": "companies", "name": "hot"}, headers=_hx())
    assert response.status_code == 422
    assert "You already have a view of companies named “hot”." in text_of(response)
    # Without JavaScript the refusal is a page holding the same form.
    response = admin_a.post("/acme/views", data={"entity": "companies", "name": "HOT"})
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)
    assert "You already have a view of companies named “HOT”." in text_of(response)
    # The same name is fine on another list, and for another member.
    assert admin_a.post("/acme/views", data={"entity": "contacts", "name": "Hot"}).status_code == 303
    other = app.test_client()
    other.login("sales.rep@acme.example")
    assert other.post("/acme/views", data={"entity": "companies", "name": "Hot"}).status_code == 303
    assert len(_views(org_a)) == 3


def test_shared_views_are_seen_by_other_members_private_ones_are_not(app, admin_a, org_a):
    admin_a.post("/acme/views", data={"entity": "companies", "name": "Team view", "shared": "1", "query": "segment=SMB"})
    admin_a.post("/acme/views", data={"entity": "companies", "name": "My view", "query": "q=a"})
    rep = app.test_client()
    rep.login("sales.rep@acme.example")
    page = rep.get("/acme/companies/")
    assert _menu_links(page) == {"Team view": "/acme/companies/?sort=name&segment=SMB"}
    assert "shared by Admin" in text_of(page)
    # Only the owner may change a view: another member's shared view is not found for them.
    team = next(v for v in _views(org_a) if v.name == "Team view")
    assert rep.post(f"/acme/views/{team.id}/delete").status_code == 404
    assert rep.post(f"/acme/views/{team.id}/rename", data={"name": "Mine now"}).status_code == 404
    assert {v.name for v in _views(org_a)} == {"Team view", "My view"}
    # The owner sees both, and the rename/delete controls only on their own.
    page = admin_a.get("/acme/companies/")
    assert set(_menu_links(page)) == {"My view", "Team view"}
    rep_page = BeautifulSoup(rep.get("/acme/companies/").get_data(as_text=True), "html.parser")
    assert rep_page.select(".saved-view-edit") == []


def test_views_show_only_on_their_own_list(app, admin_a, org_a):
    admin_a.post("/acme/views", data={"entity": "leads", "name": "Lead view"})
    assert _menu_links(admin_a.get("/acme/companies/")) == {}


def test_rename_share_and_delete_your_own_view(app, admin_a, org_a):
    admin_a.post("/acme/views", data={"entity": "companies", "name": "First"})
    admin_a.post("/acme/views", data={"entity": "companies", "name": "Second"})
    first, second = (v.id for v in _views(org_a))
    response = admin_a.post(f"/acme/views/{first}/rename", data={"name": "second"}, headers=_hx())
    assert response.status_code == 422
    assert "You already have a view of companies named “second”." in text_of(response)
    response = admin_a.post(f"/acme/views/{first}/rename", data={"name": "Renamed", "shared": "1"}, headers=_hx())
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Renamed the view to “Renamed”."
    assert (_views(org_a)[0].name, _views(org_a)[0].shared) == ("Renamed", True)
    response = admin_a.post(f"/acme/views/{second}/delete", headers=_hx("/acme/companies/?q=z"))
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Deleted the view “Second”."
    assert set(_menu_links(response)) == {"Renamed"}
    # The menu that comes back still saves the filter the member is looking at.
    assert BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "form[action='/acme/views'] input[name=query]")["value"] == "q=z"
    response = admin_a.post(f"/acme/views/{first}/delete")
    assert response.status_code == 303 and response.location.startswith("/acme/companies/")
    assert _views(org_a) == []
    assert admin_a.post(f"/acme/views/{first}/delete").status_code == 404


def test_saving_needs_the_lists_view_permission(app, client, org_a):
    add_member(org_a, "support@acme.example", "Support Agent")
    client.login("support@acme.example")
    response = client.post("/acme/views", data={"entity": "leads", "name": "Leads"})
    assert response.status_code == 403
    assert "see leads" in text_of(response)
    assert client.post("/acme/views", data={"entity": "contacts", "name": "Contacts"}).status_code == 303
    assert client.post("/acme/views", data={"entity": "invoices", "name": "X"}).status_code == 400
    assert [v.entity for v in _views(org_a)] == ["contacts"]


def test_a_view_of_another_organization_is_404(app, admin_a, org_a, org_b):
    other = app.test_client()
    other.login("admin@bravo.example")
    other.post("/bravo/views", data={"entity": "companies", "name": "Bravo view", "shared": "1"})
    [view] = _views(org_b)
    assert admin_a.post(f"/acme/views/{view.id}/delete").status_code == 404
    assert admin_a.post(f"/acme/views/{view.id}/rename", data={"name": "Taken"}).status_code == 404
    assert admin_a.post(f"/bravo/views/{view.id}/delete").status_code == 404
    assert "Bravo view" not in admin_a.get("/acme/companies/").get_data(as_text=True)
    assert [v.name for v in _views(org_b)] == ["Bravo view"]


def test_the_menu_is_loaded_in_one_query(app, admin_a, org_a):
    for i in range(5):
        admin_a.post("/acme/views", data={"entity": "companies", "name": f"View {i}", "shared": "1"})
    make_org("charlie")
    statements = []

    def count(conn, cursor, statement, *args):
        if "saved_views" in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = admin_a.get("/acme/companies/")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(_menu_links(page)) == 5
    assert len(statements) == 1



def test_contacts_and_leads_lists_offer_saved_views_too(app, admin_a, org_a):
    for entity, current in (("contacts", "/acme/contacts/?q=ann&sort=-created_at&method=email"), ("leads", "/acme/leads/?status=new")):
        if f"{entity}.{entity}_list" not in app.view_functions:
            continue
        response = admin_a.post("/acme/views", data={"entity": entity, "name": f"My {entity}"}, headers=_hx(current))
        assert response.status_code == 200, entity
        link = _menu_links(admin_a.get(f"/acme/{entity}/"))[f"My {entity}"]
        assert link.startswith(f"/acme/{entity}/?") and admin_a.get(link).status_code == 200
        # Everything the member filtered by is kept (the list may add its default sort).
        assert _query(current).items() <= _query(link).items(), (current, link)


def _query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


def test_the_same_name_saved_twice_at_once_is_a_refusal(app, admin_a, org_a, monkeypatch):
    from crm.services import saved_views

    admin_a.post("/acme/views", data={"entity": "companies", "name": "Twice"})
    # The other request's row arrives between the check and the insert.
    monkeypatch.setattr(saved_views, "_check_unique", lambda *args, **kwargs: None)
    response = admin_a.post("/acme/views", data={"entity": "companies", "name": "Twice"}, headers=_hx())
    assert response.status_code == 422
    assert "You already have a view of companies named “Twice”." in text_of(response)
    assert len(_views(org_a)) == 1
