"""Factories for the catalogue and line item tests."""

from decimal import Decimal

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Opportunity
from crm.models import OpportunityLineItem
from crm.models import PipelineStage
from crm.models import Product
from tests.helpers import tenant


def make_product(org, name="Widget", sku="W-1", price="19.99", active=True) -> int:
    with tenant(org):
        product = Product(name=name, sku=sku, unit_price=Decimal(price), active=active)
        db.session.add(product)
        db.session.commit()
        return product.id


def make_deal(org, name="Big deal", value="500") -> int:
    with tenant(org):
        stage = db.session.scalars(sa.select(PipelineStage).order_by(PipelineStage.position)).first()
        deal = Opportunity(name=name, stage_id=stage.id, value=Decimal(value))
        db.session.add(deal)
        db.session.commit()
        return deal.id


def deal_value(org, deal_id) -> Decimal:
    with tenant(org):
        return db.session.get(Opportunity, deal_id).value


def items_of(org, deal_id) -> list[tuple]:
    with tenant(org):
        return [(i.name, i.quantity, i.unit_price, i.discount_percent) for i in db.session.scalars(
            sa.select(OpportunityLineItem).where(OpportunityLineItem.opportunity_id == deal_id)
            .order_by(OpportunityLineItem.position))]


def products_of(org) -> dict[str, tuple]:
    with tenant(org):
        return {p.sku: (p.name, p.unit_price, p.active) for p in db.session.scalars(sa.select(Product))}
