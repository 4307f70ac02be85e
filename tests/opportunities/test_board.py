"""The stage board and moving deals over HTTP: columns and their figures, drag-and-drop and
stage-menu moves, the reason dialog, refusals, permissions and other organizations."""

import re
from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import g
from flask import render_template

from crm import clock
from crm.extensions import db
from crm.models import Company
from crm.models import Notification
from crm.models import Opportunity
from crm.models import OpportunityStageChange
from crm.models import Organization
from crm.models import User
from crm.services import pipeline
from crm.services import stage_moves
from crm.services.board import CLOSED_SHOWN
from crm.services.board import PAGE_SIZE
from tests.helpers import counted
from tests.helpers import tenant
from tests.helpers import text_of

BOARD = "/acme/opportunities/board"
HX = {"HX-Request": "true"}


def user_id(email: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.email == email))


def stage_ids(org) -> dict[str, int]:
    with tenant(org):
        return {s.name: s.id for s in pipeline.list_stages()}


def add_deal(org, name="Deal", stage="Prospecting", value="1000", probability=None, company=None, owner=None,
             closed_days_ago=None, expected_close_on=None) -> int:
    with tenant(org):
        company_id = None
        if company:
            row = Company(name=company, lifecycle_stage="prospect")
            db.session.add(row)
            db.session.flush()
            company_id = row.id
        closed_at = clock.now() - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
        deal = Opportunity(name=name, stage_id=_stage_id(stage), value=Decimal(value),
                           probability=probability, company_id=company_id,
                           owner_id=user_id(owner) if owner else None, closed_at=closed_at,
                           expected_close_on=expected_close_on, stage_entered_at=clock.now())
        db.session.add(deal)
        db.session.flush()
        stage_moves.record_initial_stage(deal)
        db.session.commit()
        return deal.id


def _stage_id(name: str) -> int:
    return next(s.id for s in pipeline.list_stages() if s.name == name)


def deal(org, deal_id) -> Opportunity:
    with tenant(org):
        found = db.session.get(Opportunity, deal_id)
        db.session.expunge(found)
        return found


def column(html: str, stage_id: int):
    return BeautifulSoup(html, "html.parser").find(id=f"stage-cards-{stage_id}")


def figures(soup_or_html, stage_id: int) -> tuple[str, str, str]:
    soup = soup_or_html if not isinstance(soup_or_html, str) else BeautifulSoup(soup_or_html, "html.parser")
    head = soup.find(id=f"stage-head-{stage_id}")
    return tuple(head.find(attrs={"data-figure": name}).get_text(strip=True) for name in ("count", "total", "weighted"))


def move(client, deal_id, stage_id, board=True, **form):
    headers = HX if board else {}
    data = {"stage_id": stage_id, **({"board": "1"} if board else {}), **form}
    return client.post(f"/acme/opportunities/{deal_id}/stage", data=data, headers=headers)


# The board

def test_columns_show_their_deals_and_figures_in_the_orgs_currency(admin_a, org_a):
    stages = stage_ids(org_a)
    add_deal(org_a, "Initech renewal", "Proposal", "1000", company="Initech", owner="sales.rep@acme.example",
             expected_close_on=date(2026, 3, 31))
    add_deal(org_a, "Hooli pilot", "Proposal", "2500.50", probability=10)
    response = admin_a.get(BOARD)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    titles = [h.get_text(strip=True) for h in soup.select(".board-column-head h2")]
    assert titles == ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
    # Proposal is 50%: 1000 x 50% + 2500.50 x 10% (override) = 750.05
    assert figures(soup, stages["Proposal"]) == ("2", "USD 3,500.50", "USD 750.05")
    assert figures(soup, stages["Prospecting"]) == ("0", "USD 0.00", "USD 0.00")
    card = column(html, stages["Proposal"]).find(string=re.compile("Initech renewal")).find_parent("li")
    text = " ".join(card.get_text(" ").split())
    assert "Initech" in text and "USD 1,000.00" in text and "Sales Rep" in text and "Close 31 Mar 2026" in text
    assert "Hooli pilot" in column(html, stages["Proposal"]).get_text()


def test_closed_columns_show_recent_deals_only_and_say_how_many_more(admin_a, org_a):
    stages = stage_ids(org_a)
    add_deal(org_a, "Old win", "Closed Won", "5000", closed_days_ago=45)
    for i in range(CLOSED_SHOWN + 2):
        add_deal(org_a, f"Win {i}", "Closed Won", "100", closed_days_ago=1)
    html = admin_a.get(BOARD).get_data(as_text=True)
    won = column(html, stages["Closed Won"])
    assert len(won.find_all("li", class_="board-card")) == CLOSED_SHOWN
    assert "Old win" not in won.get_text()
    assert figures(html, stages["Closed Won"]) == (str(CLOSED_SHOWN + 2), "USD 2,200.00", "USD 2,200.00")
    head = BeautifulSoup(html, "html.parser").find(id=f"stage-head-{stages['Closed Won']}")
    assert "2 more not shown" in head.get_text()
    assert head.find("a")["href"] == f"/acme/opportunities/?stage={stages['Closed Won']}"


def test_the_board_filters_by_owner(app, org_a):
    client = app.test_client()
    client.login("sales.rep@acme.example")
    add_deal(org_a, "Rep deal", owner="sales.rep@acme.example")
    add_deal(org_a, "Manager deal", owner="sales.manager@acme.example")
    mine = text_of(client.get(BOARD + "?owner=mine"))
    assert "Rep deal" in mine and "Manager deal" not in mine
    theirs = text_of(client.get(BOARD + f"?owner={user_id('sales.manager@acme.example')}"))
    assert "Manager deal" in theirs and "Rep deal" not in theirs
    nonsense = client.get(BOARD + "?owner=%00abc")
    assert nonsense.status_code == 200
    assert "Ignored the owner filter" in text_of(nonsense) and "Manager deal" in text_of(nonsense)
    fragment = client.get(BOARD + "?owner=mine", headers={**HX, "HX-Target": "board-columns"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="board-columns"')


def _board_queries(client) -> int:
    with counted() as statements:
        assert client.get(BOARD).status_code == 200
    return len(statements)


def test_the_board_runs_the_same_queries_for_3_or_60_deals(admin_a, org_a):
    for i in range(3):
        add_deal(org_a, f"A{i}", ["Prospecting", "Proposal", "Closed Won"][i % 3], company=f"Co {i}",
                 owner="sales.rep@acme.example", closed_days_ago=1 if i % 3 == 2 else None)
    few = _board_queries(admin_a)
    for i in range(57):
        add_deal(org_a, f"B{i}", ["Prospecting", "Negotiation", "Closed Lost"][i % 3], company=f"Co B{i}",
                 owner="sales.manager@acme.example", closed_days_ago=2 if i % 3 == 2 else None)
    assert _board_queries(admin_a) == few
    assert few <= 10


def add_many(org, count: int, stage="Prospecting", owner=None, prefix="Bulk") -> list[int]:
    """``count`` deals in one transaction; every seventh has no expected close date, the rest
    share a few dates (so that the order falls back on the id)."""
    with tenant(org):
        stage_id, owner_id = _stage_id(stage), user_id(owner) if owner else None
        deals = [Opportunity(name=f"{prefix} {i:03d}", stage_id=stage_id, value=Decimal("10.00"), owner_id=owner_id,
                             expected_close_on=None if i % 7 == 0 else date(2027, 1, 1) + timedelta(days=i % 5),
                             stage_entered_at=clock.now()) for i in range(count)]
        db.session.add_all(deals)
        db.session.commit()
        return [d.id for d in deals]


def board_order(org, ids) -> list[int]:
    """The ids as the board orders a column: expected close date first (none last), then id."""
    with tenant(org):
        rows = db.session.execute(sa.select(Opportunity.id, Opportunity.expected_close_on)
                                  .where(Opportunity.id.in_(ids))).all()
    return [r.id for r in sorted(rows, key=lambda r: (r.expected_close_on is None, r.expected_close_on or date.min,
                                                      r.id))]


def card_ids(soup) -> list[int]:
    return [int(li["id"].removeprefix("opportunity-card-")) for li in soup.select("li.board-card")]


def more_link(soup, stage_id):
    return soup.find(id=f"stage-more-{stage_id}").find("a")


def test_an_open_column_shows_its_first_page_and_loads_the_rest_a_page_at_a_time(admin_a, org_a):
    stages = stage_ids(org_a)
    prospecting = stages["Prospecting"]
    expected = board_order(org_a, add_many(org_a, 2 * PAGE_SIZE + 20))
    soup = BeautifulSoup(admin_a.get(BOARD).get_data(as_text=True), "html.parser")
    assert card_ids(column(str(soup), prospecting)) == expected[:PAGE_SIZE]
    # The header counts the whole column, not the cards drawn.
    assert figures(soup, prospecting) == (str(2 * PAGE_SIZE + 20), "USD 1,200.00", "USD 120.00")
    link = more_link(soup, prospecting)
    assert link.get_text(strip=True) == f"Show {PAGE_SIZE + 20} more"
    assert link["href"] == f"/acme/opportunities/?stage={prospecting}"  # without JavaScript: the list
    assert "revealed" in link["hx-trigger"] and "click" in link["hx-trigger"]
    assert link["hx-target"] == f"#stage-cards-{prospecting}" and link["hx-swap"] == "beforeend"
    assert more_link(soup, stages["Proposal"]) is None  # an empty column has nothing more

    second = admin_a.get(link["hx-get"], headers=HX)
    assert second.status_code == 200
    page = BeautifulSoup(second.get_data(as_text=True), "html.parser")
    assert card_ids(page) == expected[PAGE_SIZE:2 * PAGE_SIZE]
    foot = page.find(id=f"stage-more-{prospecting}")
    assert foot["hx-swap-oob"] == "true" and foot.find("a").get_text(strip=True) == "Show 20 more"

    last = BeautifulSoup(admin_a.get(foot.find("a")["hx-get"], headers=HX).get_data(as_text=True), "html.parser")
    assert card_ids(last) == expected[2 * PAGE_SIZE:]
    assert more_link(last, prospecting) is None


def test_a_column_page_keeps_the_owner_filter_and_counts_the_owners_deals_only(app, org_a):
    stages = stage_ids(org_a)
    rep = add_many(org_a, PAGE_SIZE + 3, owner="sales.rep@acme.example", prefix="Rep")
    add_many(org_a, 10, owner="sales.manager@acme.example", prefix="Manager")
    client = app.test_client()
    client.login("sales.rep@acme.example")
    soup = BeautifulSoup(client.get(BOARD + "?owner=mine").get_data(as_text=True), "html.parser")
    assert figures(soup, stages["Prospecting"])[0] == str(PAGE_SIZE + 3)
    link = more_link(soup, stages["Prospecting"])
    assert link.get_text(strip=True) == "Show 3 more" and "owner=mine" in link["hx-get"]
    page = BeautifulSoup(client.get(link["hx-get"], headers=HX).get_data(as_text=True), "html.parser")
    assert card_ids(page) == board_order(org_a, rep)[PAGE_SIZE:]


def test_the_column_page_without_a_cursor_is_the_first_page(admin_a, org_a):
    stages = stage_ids(org_a)
    expected = board_order(org_a, add_many(org_a, PAGE_SIZE + 1, stage="Proposal"))
    page = admin_a.get(f"/acme/opportunities/board/stages/{stages['Proposal']}/cards", headers=HX)
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert card_ids(soup) == expected[:PAGE_SIZE] and more_link(soup, stages["Proposal"]).get_text(strip=True) == "Show 1 more"


@pytest.mark.parametrize("after", ["x", "none_", "_12", "2027-13-01_5", "2027-01-01_-3", "2027-01-01_1e3",
                                   "2027-01-01_" + "9" * 40, "none_%00", "2027-01-01_٣", "\x00_1"])
def test_a_bad_cursor_is_refused_with_a_message_never_an_error(admin_a, org_a, after):
    url = f"/acme/opportunities/board/stages/{stage_ids(org_a)['Prospecting']}/cards"
    response = admin_a.get(url, query_string={"after": after}, headers=HX)
    assert response.status_code == 400
    assert response.headers["HX-Reswap"] == "none" and "reload the board" in response.headers["HX-Trigger"]


def test_a_cursor_past_the_end_gives_no_cards(admin_a, org_a):
    add_many(org_a, 3)
    url = f"/acme/opportunities/board/stages/{stage_ids(org_a)['Prospecting']}/cards?after=none_{'9' * 18}"
    soup = BeautifulSoup(admin_a.get(url, headers=HX).get_data(as_text=True), "html.parser")
    assert card_ids(soup) == [] and soup.find(id=re.compile("stage-more-")).find("a") is None


def test_column_pages_of_other_organizations_and_closed_columns_are_not_found(app, admin_a, org_a, org_b):
    add_deal(org_b, "Bravo deal", "Proposal")
    bravo = stage_ids(org_b)["Proposal"]
    assert admin_a.get(f"/acme/opportunities/board/stages/{bravo}/cards", headers=HX).status_code == 404
    assert admin_a.get(f"/acme/opportunities/board/stages/{'9' * 30}/cards").status_code == 404
    won = stage_ids(org_a)["Closed Won"]
    assert admin_a.get(f"/acme/opportunities/board/stages/{won}/cards").status_code == 404
    viewer = app.test_client()
    viewer.login("marketing.manager@acme.example")
    add_many(org_a, 2)
    page = viewer.get(f"/acme/opportunities/board/stages/{stage_ids(org_a)['Prospecting']}/cards", headers=HX)
    assert page.status_code == 200 and "Bulk 001" in page.get_data(as_text=True)
    assert "board-move" not in page.get_data(as_text=True)  # viewers cannot move the cards loaded later either


def test_the_board_and_a_column_page_run_the_same_queries_for_few_or_many_deals(admin_a, org_a):
    prospecting = stage_ids(org_a)["Prospecting"]
    url = f"/acme/opportunities/board/stages/{prospecting}/cards?after=2027-01-01_1"
    add_many(org_a, 3)
    add_deal(org_a, "Won", "Closed Won", closed_days_ago=1, owner="sales.rep@acme.example", company="Initech")
    board_few = _board_queries(admin_a)
    with counted() as few:
        assert admin_a.get(url, headers=HX).status_code == 200
    add_many(org_a, 3 * PAGE_SIZE, owner="sales.manager@acme.example")
    add_many(org_a, PAGE_SIZE + 5, stage="Negotiation", owner="sales.rep@acme.example")
    assert _board_queries(admin_a) == board_few
    with counted() as many:
        assert admin_a.get(url, headers=HX).status_code == 200
    assert len(many) == len(few)


# Moving on the board (htmx)

def test_a_drop_answers_the_card_and_both_columns_figures(admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Proposal", "1000")
    add_deal(org_a, "Stays", "Proposal", "300")
    response = move(admin_a, deal_id, stages["Negotiation"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    card = soup.find(id=f"opportunity-card-{deal_id}")
    assert card is not None and "Initech renewal" in card.get_text() and card.find("a", class_="board-move")
    assert soup.find(id=f"stage-head-{stages['Proposal']}")["hx-swap-oob"] == "true"
    assert figures(soup, stages["Proposal"]) == ("1", "USD 300.00", "USD 150.00")
    assert figures(soup, stages["Negotiation"]) == ("1", "USD 1,000.00", "USD 750.00")
    assert "Moved Initech renewal to Negotiation" in response.headers["HX-Trigger"]
    assert deal(org_a, deal_id).stage_id == stages["Negotiation"]


def test_the_header_figures_follow_the_boards_owner_filter(admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Mine", "Proposal", "1000", owner="admin@acme.example")
    add_deal(org_a, "Someone else", "Negotiation", "7000", owner="sales.rep@acme.example")
    html = move(admin_a, deal_id, stages["Negotiation"], owner="mine").get_data(as_text=True)
    assert figures(html, stages["Negotiation"]) == ("1", "USD 1,000.00", "USD 750.00")


def test_dropping_into_won_asks_why_then_closes_the_deal(app, admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Negotiation", "1000", company="Initech",
                       owner="sales.rep@acme.example")
    asked = move(admin_a, deal_id, stages["Closed Won"])
    assert asked.status_code == 422
    assert asked.headers["HX-Retarget"] == "#board-dialog"
    dialog = BeautifulSoup(asked.get_data(as_text=True), "html.parser").find("dialog")
    assert "Move “Initech renewal”" in dialog.get_text()
    assert dialog.find("option", selected=True)["value"] == str(stages["Closed Won"])
    assert dialog.find("textarea", attrs={"name": "reason"}).has_attr("required")
    assert dialog.find(id="move-reason-error").get_text() == "Say why the deal was won."
    assert dialog.find("button", attrs={"data-cancel": True})["hx-target"] == "#board-columns"
    assert deal(org_a, deal_id).stage_id == stages["Negotiation"]

    done = move(admin_a, deal_id, stages["Closed Won"], reason="Signed for three years", note="Champion: Ada")
    assert done.status_code == 200
    moved = deal(org_a, deal_id)
    assert moved.stage_id == stages["Closed Won"] and moved.close_reason == "Signed for three years"
    assert moved.closed_at is not None
    assert '<div id="board-dialog" hx-swap-oob="true"></div>' in done.get_data(as_text=True)
    with tenant(org_a):
        assert db.session.scalar(sa.select(Company.lifecycle_stage)) == "customer"
        notes = db.session.execute(sa.select(Notification.user_id, Notification.message)).all()
        assert notes == [(user_id("sales.rep@acme.example"), "Admin moved your deal “Initech renewal” to won")]
        change = db.session.scalars(sa.select(OpportunityStageChange).order_by(OpportunityStageChange.id.desc())).first()
        assert (change.to_stage_name, change.note, change.moved_by_id) == (
            "Closed Won", "Champion: Ada", user_id("admin@acme.example"))


def test_an_owner_who_wins_their_own_deal_is_not_notified(app, org_a):
    stages = stage_ids(org_a)
    rep = app.test_client()
    rep.login("sales.rep@acme.example")
    deal_id = add_deal(org_a, "Own deal", "Negotiation", owner="sales.rep@acme.example")
    assert move(rep, deal_id, stages["Closed Won"], reason="Signed").status_code == 200
    with tenant(org_a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_dropping_into_lost_asks_why_too_and_an_overlong_reason_comes_back_with_its_error(admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Hooli pilot", "Proposal")
    assert move(admin_a, deal_id, stages["Closed Lost"]).status_code == 422
    response = move(admin_a, deal_id, stages["Closed Lost"], reason="x" * 501)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "500 characters or fewer" in soup.find(id="move-reason-error").get_text()
    assert soup.find("textarea", attrs={"name": "reason"})["aria-invalid"] == "true"
    assert deal(org_a, deal_id).stage_id == stages["Proposal"]


@pytest.mark.parametrize("bad", ["abc", "", "-1", "99999999999999999999999", "7\x00"])
def test_a_refused_drop_redraws_the_board_and_says_why(admin_a, org_a, bad):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    response = move(admin_a, deal_id, bad)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#board-columns"
    assert "Choose one of your pipeline" in response.headers["HX-Trigger"]
    html = response.get_data(as_text=True)
    assert column(html, stages["Proposal"]).find(id=f"opportunity-card-{deal_id}") is not None
    assert deal(org_a, deal_id).stage_id == stages["Proposal"]


def test_another_organizations_stage_is_refused_and_nothing_changes(admin_a, org_a, org_b):
    foreign = stage_ids(org_b)["Closed Lost"]
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    response = move(admin_a, deal_id, foreign)
    assert response.status_code == 422 and "Choose one of your pipeline" in response.headers["HX-Trigger"]
    from_menu = move(admin_a, deal_id, foreign, reason="sneaky")
    assert from_menu.status_code == 422 and from_menu.headers["HX-Retarget"] == "#board-dialog"
    assert "Choose one of your pipeline" in text_of(from_menu)
    with tenant(org_a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OpportunityStageChange)) == 1
    assert deal(org_a, deal_id).closed_at is None


def test_a_stage_deleted_meanwhile_puts_the_card_back(admin_a, org_a):
    with tenant(org_a):
        doomed = pipeline.create_stage("Demo", 30, 7, "open").id
        db.session.commit()
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    with tenant(org_a):
        pipeline.delete_stage(db.session.get(pipeline.PipelineStage, doomed))
        db.session.commit()
    response = move(admin_a, deal_id, doomed)
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#board-columns"
    assert f'id="opportunity-card-{deal_id}"' in response.get_data(as_text=True)


# Without JavaScript, and from the record page

def test_the_move_link_works_without_javascript(admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Proposal", owner="admin@acme.example")
    page = BeautifulSoup(admin_a.get(BOARD + "?owner=mine").get_data(as_text=True), "html.parser")
    link = page.find(id=f"opportunity-card-{deal_id}").find("a", class_="board-move")
    assert "Initech renewal to another stage" in link.get_text()
    menu = admin_a.get(link["href"])
    assert menu.status_code == 200
    form = BeautifulSoup(menu.get_data(as_text=True), "html.parser").find("form", class_="move-form")
    assert form.find("option", selected=True)["value"] == str(stages["Proposal"])
    fields = {i["name"]: i["value"] for i in form.find_all("input")}
    response = admin_a.post(form["action"], data={**fields, "stage_id": stages["Negotiation"]})
    assert response.status_code == 303 and response.headers["Location"] == BOARD + "?owner=mine"
    assert deal(org_a, deal_id).stage_id == stages["Negotiation"]

    asked = admin_a.post(form["action"], data={**fields, "stage_id": stages["Closed Lost"]})
    assert asked.status_code == 422 and "Say why the deal was lost." in text_of(asked)
    again = BeautifulSoup(asked.get_data(as_text=True), "html.parser").find("form", class_="move-form")
    assert again.find("option", selected=True)["value"] == str(stages["Closed Lost"])
    fields = {i["name"]: i["value"] for i in again.find_all("input")}
    done = admin_a.post(again["action"], data={**fields, "stage_id": stages["Closed Lost"],
                                               "reason": "No budget this year"})
    assert done.status_code == 303
    assert deal(org_a, deal_id).close_reason == "No budget this year"


def test_the_move_menu_opens_as_a_dialog_over_the_board(admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    response = admin_a.get(f"/acme/opportunities/{deal_id}/stage?next=/acme/opportunities/board&owner=mine",
                           headers={**HX, "HX-Target": "board-dialog"})
    assert response.status_code == 200
    dialog = BeautifulSoup(response.get_data(as_text=True), "html.parser").find("dialog", id="move-dialog")
    form = dialog.find("form")
    assert form["hx-target"] == f"#opportunity-card-{deal_id}"
    assert {i["name"]: i["value"] for i in form.find_all("input") if i["name"] in ("board", "owner")} == {
        "board": "1", "owner": "mine"}
    assert [o.get_text() for o in form.find_all("option")][-2:] == ["Closed Won (won)", "Closed Lost (lost)"]
    moved = admin_a.post(form["hx-post"], data={"stage_id": stages["Qualification"], "board": "1", "owner": "mine",
                                                "reason": "", "note": "Back to discovery"}, headers=HX)
    assert moved.status_code == 200 and f'id="stage-head-{stages["Qualification"]}"' in moved.get_data(as_text=True)
    bad = admin_a.post(form["hx-post"], data={"stage_id": "abc", "board": "1", "reason": ""}, headers=HX)
    assert bad.status_code == 422 and bad.headers["HX-Retarget"] == "#board-dialog"
    assert "Choose one of your pipeline" in text_of(bad)


def test_a_plain_refusal_goes_back_with_the_message_and_never_off_site(admin_a, org_a):
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    response = move(admin_a, deal_id, "nope", board=False, next="//evil.example/x")
    assert response.status_code == 303 and response.headers["Location"] == BOARD
    assert "Choose one of your pipeline" in text_of(admin_a.get(BOARD))


def test_the_record_page_partials_render_with_their_documented_context(app, admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    move(admin_a, deal_id, stages["Negotiation"], note="Legal <review>")
    with app.test_request_context(f"/acme/opportunities/{deal_id}"), tenant(org_a):
        g.org = db.session.get(Organization, org_a.id)  # as the URL's organization sets it
        opportunity = db.session.get(Opportunity, deal_id)
        menu = BeautifulSoup(render_template("opportunities/_stage_menu.html", opportunity=opportunity,
                                             stages=pipeline.list_stages()), "html.parser")
        assert menu.find("option", selected=True).get_text() == "Negotiation"
        assert menu.find("input", attrs={"name": "next"})["value"] == f"/acme/opportunities/{deal_id}"
        assert not menu.find("form").has_attr("hx-post")
        history = render_template("opportunities/_history.html", history=stage_moves.history_for(opportunity))
    text = " ".join(BeautifulSoup(history, "html.parser").get_text(" ").split())
    assert "Proposal → Negotiation · Admin" in text and "Legal <review>" in text
    assert text.index("Proposal → Negotiation") < text.index("Proposal ·")


def test_history_for_is_one_query(admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    for name in ("Negotiation", "Proposal", "Negotiation"):
        move(admin_a, deal_id, stages[name])
    with tenant(org_a):
        opportunity = db.session.get(Opportunity, deal_id)
        db.session.get(Organization, org_a.id)  # in the session during a request
        with counted() as statements:
            rows = stage_moves.history_for(opportunity)
        assert len(rows) == 4 and len(statements) == 1


# Permissions and other organizations

def test_viewers_see_the_board_without_moving_and_cannot_move(app, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Initech renewal", "Proposal")
    viewer = app.test_client()
    viewer.login("marketing.manager@acme.example")
    page = viewer.get(BOARD)
    assert page.status_code == 200 and "Initech renewal" in text_of(page)
    assert "stage-menu" not in page.get_data(as_text=True)
    assert move(viewer, deal_id, stages["Negotiation"]).status_code == 403
    assert deal(org_a, deal_id).stage_id == stages["Proposal"]


def test_another_organizations_deal_is_not_found(app, org_a, org_b):
    foreign = add_deal(org_b, "Bravo deal", "Proposal")
    bravo_stage = stage_ids(org_b)["Negotiation"]
    client = app.test_client()
    client.login("admin@acme.example")
    assert client.post(f"/acme/opportunities/{foreign}/stage", data={"stage_id": bravo_stage}).status_code == 404
    assert client.post(f"/bravo/opportunities/{foreign}/stage", data={"stage_id": bravo_stage}).status_code in (403, 404)
    assert "Bravo deal" not in text_of(client.get(BOARD))
    assert deal(org_b, foreign).stage_id == stage_ids(org_b)["Proposal"]


def test_a_deleted_deal_cannot_be_moved(admin_a, org_a):
    stages = stage_ids(org_a)
    deal_id = add_deal(org_a, "Binned", "Proposal")
    with tenant(org_a):
        db.session.get(Opportunity, deal_id).deleted_at = clock.now()
        db.session.commit()
    assert move(admin_a, deal_id, stages["Negotiation"]).status_code == 404


def test_cards_show_hostile_names_as_text(admin_a, org_a):
    stages = stage_ids(org_a)
    add_deal(org_a, '<script>alert(1)</script>', "Proposal", company='"><img src=x onerror=alert(2)>',
             owner="sales.rep@acme.example")
    html = admin_a.get(BOARD).get_data(as_text=True)
    cards = column(html, stages["Proposal"])
    assert cards.find("script") is None and cards.find("img") is None
    assert '<script>alert(1)</script>' in cards.get_text() and '"><img src=x onerror=alert(2)>' in cards.get_text()
