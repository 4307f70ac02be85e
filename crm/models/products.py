"""The organization's product catalogue, priced in the organization's currency."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from crm.clock import now
from tenants.db import BigId
from tenants.db import db
from tenants.scoping import TenantScoped

# Money is exact: NUMERIC on PostgreSQL, so totals on the dashboard add up to the cent.
Money = sa.Numeric(14, 2)


class Product(TenantScoped, db.Model):
    __tablename__ = "products"
    __tenant_table_args__ = (
        sa.UniqueConstraint("org_id", "sku"),
        sa.Index("ix_products_org_id_active_name", "org_id", "active", "name"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sku: Mapped[str] = mapped_column(sa.String(60))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=now, onupdate=now)

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"
