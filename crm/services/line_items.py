"""An opportunity's line items and the value they make.

While a deal has line items its value is their total, recomputed on every change; when the
last one is removed the value stays as it was, and can be edited by hand again.
"""

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.models import Product
from crm.services import ServiceError
from crm.services.opportunities import MAX_VALUE
from crm.services.opportunities import has_line_items  # noqa: F401  (the line items' own question, asked there too)
from crm.services.opportunities import parse_amount

CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("9999999999.99")  # Numeric(12, 2)
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$|^\d*(\.\d*)?$")


def line_total(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity x price less the discount, rounded half-up to the cent (2.5 x 19.99 less 10 % = 44.98)."""
    exact = Decimal(quantity) * Decimal(unit_price) * (Decimal(100) - Decimal(discount_percent)) / Decimal(100)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value, field: str, label: str, example: str) -> Decimal | None:
    text = str(value or "").strip().replace(" ", "").replace("\u00a0", "").rstrip("%")
    if not text:
        return None
    if text.startswith("-"):
        raise ServiceError(f"The {label} cannot be negative; enter it as, for example, {example}.", field)
    if not _NUMBER.match(text) or text == ".":
        raise ServiceError(f"Enter the {label} as a number, for example {example}.", field)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ServiceError(f"Enter the {label} as a number, for example {example}.", field) from None
    if number > MAX_VALUE:
        raise ServiceError(f"That {label} is too large; check the number of digits.", field)
    if number != number.quantize(CENT):
        raise ServiceError(f"Enter the {label} with at most 2 decimals.", field)
    return number.quantize(CENT)


def parse_price(value, field: str = "unit_price") -> Decimal:
    """A unit price; more digits than any price has is refused before the decimal arithmetic
    (whose 28-digit precision would otherwise fail)."""
    if len(str(value or "").strip()) > 24:
        raise ServiceError("That unit price is too large (at most 999,999,999,999.99).", field)
    return parse_amount(value, field, "unit price")


def parse_quantity(value) -> Decimal:
    quantity = _decimal(value, "quantity", "quantity", "2 or 2.5")
    if quantity is None or quantity <= 0:
        raise ServiceError("Enter a quantity greater than 0, for example 2 or 2.5.", "quantity")
    if quantity > MAX_QUANTITY:
        raise ServiceError("That quantity is too large (at most 9,999,999,999.99).", "quantity")
    return quantity


def parse_discount(value) -> Decimal:
    discount = _decimal(value, "discount_percent", "discount", "10 for 10 %")
    if discount is None:
        return Decimal("0.00")
    if discount > 100:
        raise ServiceError("Enter a discount between 0 and 100 %.", "discount_percent")
    return discount


def parse_product_id(value) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def line_items_for(opportunity: Opportunity) -> list[OpportunityLineItem]:
    """The deal's items in their order; one query."""
    if opportunity.id is None:
        return []
    return list(db.session.scalars(sa.select(OpportunityLineItem)
                                   .where(OpportunityLineItem.opportunity_id == opportunity.id)
                                   .order_by(OpportunityLineItem.position, OpportunityLineItem.id)))


def total_of(items: list[OpportunityLineItem]) -> Decimal:
    return sum((line_total(i.quantity, i.unit_price, i.discount_percent) for i in items), Decimal("0.00"))


def recompute_value(opportunity: Opportunity, items: list[OpportunityLineItem] | None = None) -> Decimal:
    """Set the deal's value to its items' total; with no items, leave the value as it is."""
    db.session.flush()
    items = line_items_for(opportunity) if items is None else items
    if items:
        total = total_of(items)
        if total > MAX_VALUE:
            raise ServiceError("The line items add up to more than 999,999,999,999.99; lower a quantity or price.")
        opportunity.value = total
    return opportunity.value


def _check_line(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> None:
    if line_total(quantity, unit_price, discount) > MAX_VALUE:
        raise ServiceError("That line's total is too large (at most 999,999,999,999.99); lower the quantity or price.",
                           "quantity")


def _active_product(value) -> Product:
    product_id = parse_product_id(value)
    product = db.session.get(Product, product_id) if product_id is not None and product_id < 2**63 else None
    if product is None:
        raise ServiceError("Choose a product from the catalogue.", "product_id")
    if not product.active:
        raise ServiceError(f"{product.name} is inactive, so it cannot be added. Choose an active product, "
                           "or reactivate it in the catalogue.", "product_id")
    return product


def add_line_item(opportunity: Opportunity, values: Mapping[str, str]) -> OpportunityLineItem:
    """The product's name and current price are copied; a price typed in the form replaces it."""
    product = _active_product(values.get("product_id"))
    quantity = parse_quantity(values.get("quantity") if str(values.get("quantity") or "").strip() else "1")
    price_text = str(values.get("unit_price") or "").strip()
    unit_price = parse_price(price_text) if price_text else product.unit_price
    discount = parse_discount(values.get("discount_percent"))
    _check_line(quantity, unit_price, discount)
    position = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OpportunityLineItem.position), -1))
                                 .where(OpportunityLineItem.opportunity_id == opportunity.id)) + 1
    item = OpportunityLineItem(opportunity_id=opportunity.id, product_id=product.id, name=product.name,
                               quantity=quantity, unit_price=unit_price, discount_percent=discount, position=position)
    db.session.add(item)
    recompute_value(opportunity)
    return item


def update_line_item(opportunity: Opportunity, item: OpportunityLineItem, values: Mapping[str, str]) -> OpportunityLineItem:
    """Quantity, price and discount; fields missing from the form keep their value."""
    quantity = parse_quantity(values.get("quantity")) if "quantity" in values else item.quantity
    if "unit_price" in values:
        if not str(values.get("unit_price") or "").strip():
            raise ServiceError("Enter the unit price (0 or more, for example 19.99).", "unit_price")
        unit_price = parse_price(values.get("unit_price"))
    else:
        unit_price = item.unit_price
    discount = parse_discount(values.get("discount_percent")) if "discount_percent" in values else item.discount_percent
    _check_line(quantity, unit_price, discount)
    item.quantity, item.unit_price, item.discount_percent = quantity, unit_price, discount
    recompute_value(opportunity)
    return item


def delete_line_item(opportunity: Opportunity, item: OpportunityLineItem) -> None:
    db.session.delete(item)
    recompute_value(opportunity)
