"""Line items on a deal: the math, the value they make, refusals, roles and other organizations."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm import clock
from crm.extensions import db
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.services.line_items import line_total
from tests.helpers import counted
from tests.helpers import tenant
from tests.helpers import text_of
from tests.products.support import deal_value
from tests.products.support import items_of
from tests.products.support import make_deal
from tests.products.support import make_product

HX = {"HX-Request": "true"}


def lines_url(deal, item=None, action=""):
    url = f"/acme/opportunities/{deal}/line-items"
    if item is not None:
        url += f"/{item}"
    return url + action


def item_ids(org, deal):
    with tenant(org):
        return list(db.session.scalars(sa.select(OpportunityLineItem.id)
                                       .where(OpportunityLineItem.opportunity_id == deal)
                                       .order_by(OpportunityLineItem.position)))


def test_line_total_rounds_half_up_to_the_cent():
    assert line_total(Decimal("2.5"), Decimal("19.99"), Decimal("10")) == Decimal("44.98")
    assert line_total(Decimal("1"), Decimal("0.05"), Decimal("50")) == Decimal("0.03")  # 0.025 rounds up
    assert line_total(Decimal("3"), Decimal("10"), Decimal("100")) == Decimal("0.00")


def test_add_copies_name_and_price_and_the_value_becomes_the_total(admin_a, org_a):
    widget = make_product(org_a, "Widget", "W-1", "19.99")
    deal = make_deal(org_a, value="500")
    response = admin_a.post(lines_url(deal), data={"product_id": widget, "quantity": "2.5", "discount_percent": "10"},
                            headers=HX)
    assert response.status_code == 200
    assert items_of(org_a, deal) == [("Widget", Decimal("2.50"), Decimal("19.99"), Decimal("10.00"))]
    assert deal_value(org_a, deal) == Decimal("44.98")
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    oob = soup.find(id="opportunity-value")
    assert oob["hx-swap-oob"] and f"{org_a.currency} 44.98" in oob.get_text()
    assert soup.find(id="line-items") is not None
    assert "Added Widget." in response.headers["HX-Trigger"]


def test_the_price_is_editable_per_line_and_catalogue_changes_do_not_rewrite_it(admin_a, org_a):
    widget = make_product(org_a, "Widget", "W-1", "19.99")
    deal = make_deal(org_a)
    admin_a.post(lines_url(deal), data={"product_id": widget, "quantity": "2", "unit_price": "15"})
    admin_a.post(f"/acme/products/{widget}", data={"name": "Widget v2", "unit_price": "99"})
    assert items_of(org_a, deal) == [("Widget", Decimal("2.00"), Decimal("15.00"), Decimal("0.00"))]
    assert deal_value(org_a, deal) == Decimal("30.00")


def test_edit_and_delete_recompute_and_the_last_value_stays(admin_a, org_a):
    widget = make_product(org_a, "Widget", "W-1", "10")
    gadget = make_product(org_a, "Gadget", "G-1", "5")
    deal = make_deal(org_a, value="500")
    admin_a.post(lines_url(deal), data={"product_id": widget, "quantity": "3"})
    admin_a.post(lines_url(deal), data={"product_id": gadget, "quantity": "1"})
    assert deal_value(org_a, deal) == Decimal("35.00")
    first, second = item_ids(org_a, deal)
    response = admin_a.post(lines_url(deal, first), data={"quantity": "1", "unit_price": "10", "discount_percent": "50"},
                            headers=HX)
    assert response.status_code == 200 and f"{org_a.currency} 10.00" in text_of(response)
    assert deal_value(org_a, deal) == Decimal("10.00")
    assert admin_a.post(lines_url(deal, first, "/delete")).status_code == 302
    assert deal_value(org_a, deal) == Decimal("5.00")
    admin_a.post(lines_url(deal, second, "/delete"), headers=HX)
    assert items_of(org_a, deal) == []
    assert deal_value(org_a, deal) == Decimal("5.00")


def test_without_js_a_change_redirects_to_the_deal(admin_a, org_a):
    widget = make_product(org_a)
    deal = make_deal(org_a)
    response = admin_a.post(lines_url(deal), data={"product_id": widget})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/acme/opportunities/{deal}#line-items")
    page = admin_a.get(f"/acme/opportunities/{deal}")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert "19.99" in soup.find(id="opportunity-value").get_text()
    assert "Widget" in soup.find(id="line-items").get_text()


@pytest.mark.parametrize("fields, message, field", [
    ({"quantity": "0"}, "greater than 0", "quantity"),
    ({"quantity": "-2"}, "cannot be negative", "quantity"),
    ({"quantity": "abc"}, "as a number", "quantity"),
    ({"quantity": "1.234"}, "at most 2 decimals", "quantity"),
    ({"quantity": "9" * 30}, "too large", "quantity"),
    ({"quantity": "1\x00"}, "as a number", "quantity"),
    ({"discount_percent": "101"}, "between 0 and 100", "discount_percent"),
    ({"discount_percent": "-5"}, "cannot be negative", "discount_percent"),
    ({"unit_price": "abc"}, "as a number", "unit_price"),
    ({"unit_price": "-1"}, "cannot be negative", "unit_price"),
    ({"unit_price": "9" * 40}, "too large", "unit_price"),
    ({"discount_percent": "9" * 40}, "too large", "discount_percent"),
    ({"product_id": "abc"}, "Choose a product", "product_id"),
    ({"product_id": str(2**70)}, "Choose a product", "product_id"),
    ({"quantity": "9999999999", "unit_price": "999999999999"}, "too large", "quantity"),
])
def test_add_refused_with_422_and_nothing_changed(admin_a, org_a, fields, message, field):
    widget = make_product(org_a)
    deal = make_deal(org_a, value="500")
    for headers in (HX, {}):
        response = admin_a.post(lines_url(deal), data={"product_id": widget, **fields}, headers=headers)
        assert response.status_code == 422
        assert message in text_of(response)
        assert BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
            attrs={"name": field, "aria-invalid": "true"}) is not None
    assert items_of(org_a, deal) == []
    assert deal_value(org_a, deal) == Decimal("500.00")


def test_edit_refused_keeps_the_line(admin_a, org_a):
    widget = make_product(org_a, price="10")
    deal = make_deal(org_a)
    admin_a.post(lines_url(deal), data={"product_id": widget, "quantity": "2"})
    (item,) = item_ids(org_a, deal)
    response = admin_a.post(lines_url(deal, item), data={"quantity": "0", "unit_price": "10"}, headers=HX)
    assert response.status_code == 422 and "greater than 0" in text_of(response)
    response = admin_a.post(lines_url(deal, item), data={"quantity": "1", "unit_price": ""}, headers=HX)
    assert response.status_code == 422 and "Enter the unit price" in text_of(response)
    assert items_of(org_a, deal)[0][1] == Decimal("2.00") and deal_value(org_a, deal) == Decimal("20.00")


def test_inactive_product_is_refused_and_not_offered(admin_a, org_a):
    old = make_product(org_a, "Old thing", "OLD-1", active=False)
    make_product(org_a, "Widget", "W-1")
    deal = make_deal(org_a, value="500")
    response = admin_a.post(lines_url(deal), data={"product_id": old}, headers=HX)
    assert response.status_code == 422
    assert "Old thing is inactive" in text_of(response)
    assert items_of(org_a, deal) == [] and deal_value(org_a, deal) == Decimal("500.00")
    page = BeautifulSoup(admin_a.get(f"/acme/opportunities/{deal}").get_data(as_text=True), "html.parser")
    options = [o.get_text() for o in page.select("#line-item-product option")]
    assert len(options) == 1 and options[0].startswith("Widget")


def test_other_organizations_ids_are_404_and_nothing_changes(admin_a, org_a, org_b):
    ours = make_product(org_a, "Ours", "O-1", "10")
    theirs = make_product(org_b, "Theirs", "T-1", "7")
    deal = make_deal(org_a, value="500")
    their_deal = make_deal(org_b, value="900")
    admin_a.post(lines_url(deal), data={"product_id": ours})
    (item,) = item_ids(org_a, deal)
    with tenant(org_b):
        line = OpportunityLineItem(opportunity_id=their_deal, product_id=theirs, name="Theirs", quantity=1,
                                   unit_price=Decimal("7"), discount_percent=0)
        db.session.add(line)
        db.session.commit()
        their_item = line.id
    # their product on our deal: no such product here
    response = admin_a.post(lines_url(deal), data={"product_id": theirs})
    assert response.status_code == 422 and "Choose a product" in text_of(response)
    # our product on their deal, their line on our deal, our line on their deal
    assert admin_a.post(f"/acme/opportunities/{their_deal}/line-items", data={"product_id": ours}).status_code == 404
    assert admin_a.post(lines_url(deal, their_item), data={"quantity": "5"}).status_code == 404
    assert admin_a.post(lines_url(deal, their_item, "/delete")).status_code == 404
    assert admin_a.post(lines_url(their_deal, their_item, "/delete")).status_code == 404
    assert admin_a.post(lines_url(their_deal, item, "/delete")).status_code == 404
    assert admin_a.post(lines_url(deal, 2**70, "/delete")).status_code == 404
    assert items_of(org_b, their_deal) == [("Theirs", Decimal("1.00"), Decimal("7.00"), Decimal("0.00"))]
    assert deal_value(org_b, their_deal) == Decimal("900.00")
    assert len(items_of(org_a, deal)) == 1


def test_a_line_of_another_deal_is_404(admin_a, org_a):
    widget = make_product(org_a)
    deal, other = make_deal(org_a), make_deal(org_a, "Other")
    admin_a.post(lines_url(other), data={"product_id": widget})
    (item,) = item_ids(org_a, other)
    assert admin_a.post(lines_url(deal, item, "/delete")).status_code == 404
    assert len(items_of(org_a, other)) == 1


def test_deleted_deal_is_404(admin_a, org_a):
    widget = make_product(org_a)
    deal = make_deal(org_a)
    with tenant(org_a):
        db.session.get(Opportunity, deal).deleted_at = clock.now()
        db.session.commit()
    assert admin_a.post(lines_url(deal), data={"product_id": widget}).status_code == 404


@pytest.mark.parametrize("email, can_edit", [
    ("sales.rep@acme.example", True),
    ("marketing.manager@acme.example", False),
])
def test_line_items_need_opportunities_edit(client, org_a, email, can_edit):
    widget = make_product(org_a)
    deal = make_deal(org_a, value="500")
    client.login(email)
    response = client.post(lines_url(deal), data={"product_id": widget}, headers=HX)
    assert response.status_code == (200 if can_edit else 403)
    page = client.get(f"/acme/opportunities/{deal}")
    assert ("Add line item" in text_of(page)) is can_edit
    if not can_edit:
        assert items_of(org_a, deal) == [] and deal_value(org_a, deal) == Decimal("500.00")


def test_partial_query_count_does_not_grow_with_lines(admin_a, org_a):
    deal = make_deal(org_a)
    product = make_product(org_a, "P0", "P-0")
    admin_a.post(lines_url(deal), data={"product_id": product})
    with counted() as few:
        assert admin_a.get(lines_url(deal), headers=HX).status_code == 200
    for n in range(1, 8):
        product = make_product(org_a, f"P{n}", f"P-{n}")
        admin_a.post(lines_url(deal), data={"product_id": product})
    with counted() as many:
        response = admin_a.get(lines_url(deal), headers=HX)
    assert response.status_code == 200 and "P7" in text_of(response)
    assert len(many) == len(few)
    assert len(few) <= 10, few
    with counted() as adding:
        assert admin_a.post(lines_url(deal), data={"product_id": product}, headers=HX).status_code == 200
    assert len(adding) <= 16, adding
