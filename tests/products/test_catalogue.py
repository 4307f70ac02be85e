"""The catalogue: list, search, add, edit in place, deactivate, delete; validation and roles."""

from decimal import Decimal

import pytest

from crm.extensions import db
from crm.models import AuditEntry
from tests.helpers import add_member
from tests.helpers import counted
from tests.helpers import tenant
from tests.helpers import text_of
from tests.products.support import make_deal
from tests.products.support import make_product
from tests.products.support import products_of

URL = "/acme/products/"
HX = {"HX-Request": "true"}


def test_list_shows_products_in_the_org_currency_and_searches_by_name_or_sku(admin_a, org_a):
    make_product(org_a, "Widget", "W-1", "1200.5")
    make_product(org_a, "Gadget", "GAD-7", "5")
    make_product(org_a, "Old thing", "OLD-1", "1", active=False)
    page = text_of(admin_a.get(URL))
    assert "Widget" in page and "Gadget" in page and "Old thing" not in page
    assert f"{org_a.currency} 1,200.50" in page
    found = text_of(admin_a.get(URL + "?q=gad"))
    assert "Gadget" in found and "Widget" not in found
    assert "Widget" in text_of(admin_a.get(URL + "?q=w-1"))
    inactive = text_of(admin_a.get(URL + "?status=inactive"))
    assert "Old thing" in inactive and "Widget" not in inactive
    assert "Old thing" in text_of(admin_a.get(URL + "?status=all"))
    assert "No products match" in text_of(admin_a.get(URL + "?q=%25"))


def test_search_with_nul_bytes_and_odd_status_is_no_error(admin_a, org_a):
    make_product(org_a)
    response = admin_a.get(URL + "?q=Wid%00get&status=%00")
    assert response.status_code == 200 and "Widget" in text_of(response)  # the NUL is dropped, the rest searched


def test_add_product(admin_a, org_a):
    response = admin_a.post(URL, data={"name": "Widget", "sku": "W-1", "unit_price": "1,234.50"})
    assert response.status_code == 302
    assert products_of(org_a) == {"W-1": ("Widget", Decimal("1234.50"), True)}
    with tenant(org_a):
        assert db.session.query(AuditEntry).filter_by(action="product.create").count() == 1


def test_add_product_by_htmx_answers_the_section_with_a_toast(admin_a, org_a):
    response = admin_a.post(URL, data={"name": "Widget", "sku": "W-1", "unit_price": "3"}, headers=HX)
    assert response.status_code == 200
    assert 'id="products"' in response.get_data(as_text=True) and "Widget" in text_of(response)
    assert "Product Widget added." in response.headers["HX-Trigger"]


@pytest.mark.parametrize("fields, message", [
    ({"sku": "abc-1"}, "SKU abc-1 is already used by Existing."),
    ({"unit_price": "-1"}, "cannot be negative"),
    ({"unit_price": "abc"}, "Enter the unit price as a number"),
    ({"unit_price": "1.999"}, "at most 2 decimals"),
    ({"unit_price": "1" * 20}, "too large"),
    ({"unit_price": "9" * 40}, "too large"),
    ({"unit_price": ""}, "Enter the unit price"),
    ({"name": "Wid\x00get"}, ""),
    ({"sku": "A\x00B"}, ""),
    ({"name": ""}, "Enter the name"),
    ({"sku": "A B"}, "without spaces"),
])
def test_add_product_refused(admin_a, org_a, fields, message):
    make_product(org_a, "Existing", "ABC-1")
    response = admin_a.post(URL, data={"name": "New", "sku": "NEW-1", "unit_price": "1", **fields})
    assert response.status_code == 422
    assert message in text_of(response)
    assert set(products_of(org_a)) == {"ABC-1"}


def test_edit_in_place_and_duplicate_sku_on_edit(admin_a, org_a):
    widget = make_product(org_a, "Widget", "W-1", "10")
    make_product(org_a, "Gadget", "G-1", "5")
    response = admin_a.post(f"{URL}{widget}", data={"name": "Widget Pro", "sku": "WP-1", "unit_price": "12.5",
                                                     "active_sent": "1", "active": "1"}, headers=HX)
    assert response.status_code == 200
    assert products_of(org_a)["WP-1"] == ("Widget Pro", Decimal("12.50"), True)
    with tenant(org_a):
        entry = db.session.query(AuditEntry).filter_by(action="product.update").one()
        assert entry.before["sku"] == "W-1" and entry.after["unit_price"] == "12.50"
    response = admin_a.post(f"{URL}{widget}", data={"name": "Widget Pro", "sku": "g-1", "unit_price": "12.5"}, headers=HX)
    assert response.status_code == 422
    assert "SKU g-1 is already used by Gadget." in text_of(response)
    assert "WP-1" in products_of(org_a)
    # an unticked checkbox sends only active_sent: the product is deactivated
    admin_a.post(f"{URL}{widget}", data={"name": "Widget Pro", "sku": "WP-1", "unit_price": "12.5", "active_sent": "1"})
    assert products_of(org_a)["WP-1"][2] is False


def test_deactivate_reactivate_and_delete_only_when_unused(admin_a, org_a):
    used = make_product(org_a, "Used", "U-1")
    unused = make_product(org_a, "Unused", "N-1")
    deal = make_deal(org_a)
    assert admin_a.post(f"/acme/opportunities/{deal}/line-items", data={"product_id": used}, headers=HX).status_code == 200
    assert admin_a.post(f"{URL}{used}/deactivate").status_code == 302
    assert products_of(org_a)["U-1"][2] is False
    admin_a.post(f"{URL}{used}/reactivate")
    assert products_of(org_a)["U-1"][2] is True
    response = admin_a.post(f"{URL}{used}/delete", headers=HX)
    assert response.status_code == 422 and "Deactivate it instead" in text_of(response)
    assert "U-1" in products_of(org_a)
    assert admin_a.post(f"{URL}{unused}/delete").status_code == 302
    assert set(products_of(org_a)) == {"U-1"}
    with tenant(org_a):
        actions = {a for (a,) in db.session.query(AuditEntry.action)}
    assert {"product.deactivate", "product.reactivate", "product.delete"} <= actions


@pytest.mark.parametrize("email, can_manage", [
    ("admin@acme.example", True),
    ("sales.manager@acme.example", True),
    ("sales.rep@acme.example", False),
    ("account.manager@acme.example", False),
])
def test_roles_view_or_manage(client, org_a, email, can_manage):
    add_member(org_a, "account.manager@acme.example", "Account Manager")
    product = make_product(org_a, "Widget", "W-1")
    client.login(email)
    page = client.get(URL)
    assert page.status_code == 200 and "Widget" in text_of(page)
    assert ("Add a product" in text_of(page)) is can_manage
    expected = 302 if can_manage else 403
    assert client.post(URL, data={"name": "New", "sku": "N-1", "unit_price": "1"}).status_code == expected
    assert client.post(f"{URL}{product}", data={"name": "Renamed"}).status_code == expected
    assert client.post(f"{URL}{product}/deactivate").status_code == expected
    if not can_manage:
        assert products_of(org_a) == {"W-1": ("Widget", Decimal("19.99"), True)}


def test_a_role_without_products_view_is_refused(client, org_a):
    client.login("marketing.manager@acme.example")
    assert client.get(URL).status_code == 403


def test_other_organizations_products_are_404_and_unchanged(admin_a, org_a, org_b):
    theirs = make_product(org_b, "Theirs", "T-1", "7")
    assert admin_a.post(f"{URL}{theirs}", data={"name": "Mine", "sku": "T-1", "unit_price": "1"}).status_code == 404
    assert admin_a.post(f"{URL}{theirs}/deactivate").status_code == 404
    assert admin_a.post(f"{URL}{theirs}/delete").status_code == 404
    assert admin_a.post(f"{URL}{2**70}/delete").status_code == 404
    assert products_of(org_b) == {"T-1": ("Theirs", Decimal("7.00"), True)}
    # the same SKU is free in another organization
    assert admin_a.post(URL, data={"name": "Ours", "sku": "T-1", "unit_price": "1"}).status_code == 302


def test_catalogue_list_query_count_does_not_grow_with_products(admin_a, org_a):
    make_product(org_a, "P0", "P-0")
    with counted() as few:
        assert admin_a.get(URL).status_code == 200
    deal = make_deal(org_a)
    for n in range(1, 8):
        product = make_product(org_a, f"P{n}", f"P-{n}")
        admin_a.post(f"/acme/opportunities/{deal}/line-items", data={"product_id": product}, headers=HX)
    with counted() as many:
        assert admin_a.get(URL).status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 12, few
