"""The product catalogue: validation, create, edit, deactivate and delete.

A product that is on a line item is never deleted (the quote keeps its own copy of the name
and price, but reports still group by product); it is deactivated instead, which takes it out
of the line item form.
"""

from collections.abc import Mapping
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from crm.models import OpportunityLineItem
from crm.models import Product
from crm.services import ServiceError
from crm.services import audit
from crm.services.records import clean_text

STATUSES = ("active", "inactive", "all")
LIST_LIMIT = 500


def parse_price(value, field: str = "unit_price") -> Decimal:
    if not str(value or "").strip():
        raise ServiceError("Enter the unit price (0 or more, for example 19.99).", field)
    from crm.services.line_items import parse_price as parse_line_price

    return parse_line_price(value, field)


def parse_active(value) -> bool:
    return str(value or "").strip().lower() in ("1", "on", "true", "yes", "y")


def sku_taken_by(sku: str, product: Product | None = None) -> Product | None:
    """The other product with this SKU, letters in any case: "abc-1" and "ABC-1" would be
    one code on a printed quote."""
    query = sa.select(Product).where(sa.func.lower(Product.sku) == sku.lower())
    if product is not None and product.id is not None:
        query = query.where(Product.id != product.id)
    return db.session.scalars(query.limit(1)).first()


def clean(values: Mapping[str, str], product: Product | None = None) -> dict:
    """Validated fields; on an edit, fields missing from the form keep their value."""
    editing = product is not None

    def given(name: str) -> bool:
        return not editing or name in values

    cleaned: dict = {}
    if given("name"):
        cleaned["name"] = clean_text(values.get("name"), "name", "name", 200, required=True)
    if given("sku"):
        sku = clean_text(values.get("sku"), "sku", "SKU", 60, required=True)
        if any(c.isspace() for c in sku):
            raise ServiceError("Enter the SKU without spaces, for example ABC-1.", "sku")
        other = sku_taken_by(sku, product)
        if other is not None:
            raise ServiceError(f"SKU {sku} is already used by {other.name}. Choose another SKU.", "sku")
        cleaned["sku"] = sku
    if given("unit_price"):
        cleaned["unit_price"] = parse_price(values.get("unit_price"))
    if "active" in values or "active_sent" in values:  # an unticked checkbox sends nothing but active_sent
        cleaned["active"] = parse_active(values.get("active"))
    elif not editing:
        cleaned["active"] = True
    return cleaned


def snapshot(product: Product) -> dict:
    return {"name": product.name, "sku": product.sku, "unit_price": str(product.unit_price),
            "active": bool(product.active)}


def _flush(product: Product) -> None:
    """Two people saving one SKU at once: the unique key refuses the second, told plainly."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ServiceError(f"SKU {product.sku} is already used by another product. Choose another SKU.",
                           "sku") from None


def create_product(values: Mapping[str, str]) -> Product:
    product = Product(**clean(values))
    db.session.add(product)
    _flush(product)
    audit.record("product.create", product, f"Added product {product.name} ({product.sku})", None, snapshot(product))
    return product


def update_product(product: Product, values: Mapping[str, str]) -> Product:
    cleaned = clean(values, product)
    before = snapshot(product)
    for field, value in cleaned.items():
        setattr(product, field, value)
    _flush(product)
    after = snapshot(product)
    if after != before:
        audit.record("product.update", product, f"Changed product {product.name} ({product.sku})", before, after)
    return product


def set_active(product: Product, active: bool) -> Product:
    if bool(product.active) != active:
        before = snapshot(product)
        product.active = active
        audit.record("product.reactivate" if active else "product.deactivate", product,
                     f"{'Reactivated' if active else 'Deactivated'} product {product.name} ({product.sku})",
                     before, snapshot(product))
    return product


def is_used(product: Product) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(OpportunityLineItem.product_id == product.id))))


def delete_product(product: Product) -> None:
    if is_used(product):
        raise ServiceError(f"{product.name} is on opportunities' line items, so it cannot be deleted. "
                           "Deactivate it instead: it stays on those deals and can no longer be added.")
    audit.record("product.delete", product, f"Deleted product {product.name} ({product.sku})", snapshot(product), None)
    db.session.delete(product)
    db.session.flush()


def clean_status(value) -> str:
    value = str(value or "").strip().lower()
    return value if value in STATUSES else "active"


def clean_query(value) -> str:
    """The search text; control characters (NUL) are dropped rather than sent to the database."""
    return "".join(c for c in str(value or "") if c.isprintable()).strip()[:100]


def list_products(query: str = "", status: str = "active") -> list[tuple[Product, bool]]:
    """Products by name with whether each is on a line item (deletable or not); one query."""
    used = sa.exists().where(OpportunityLineItem.product_id == Product.id).label("used")
    statement = sa.select(Product, used).order_by(sa.func.lower(Product.name), Product.id).limit(LIST_LIMIT + 1)
    if status == "active":
        statement = statement.where(Product.active.is_(True))
    elif status == "inactive":
        statement = statement.where(Product.active.is_(False))
    if query:
        pattern = f"%{like_escape(query.lower())}%"
        statement = statement.where(sa.or_(sa.func.lower(Product.name).like(pattern, escape="\\"),
                                           sa.func.lower(Product.sku).like(pattern, escape="\\")))
    return [(row[0], bool(row[1])) for row in db.session.execute(statement).all()]


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def active_products() -> list[Product]:
    """What the line item form offers."""
    return list(db.session.scalars(sa.select(Product).where(Product.active.is_(True))
                                   .order_by(sa.func.lower(Product.name), Product.id)))
