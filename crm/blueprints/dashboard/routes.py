"""The dashboard view: parse the filters, compute the figures, draw the page."""

from flask import request

from crm import clock
from crm import htmx
from crm.blueprints.dashboard import bp
from crm.permissions import can
from crm.permissions import require
from crm.services import charts
from crm.services import dashboard
from crm.services import leads
from crm.services.activity import org_timezone


@bp.get("/")
@require("dashboard.view")
def home():
    """The first page members see in an organization."""
    zone = org_timezone()
    members = leads.members()
    filters = dashboard.parse_filters(request.args, clock.now().astimezone(zone).date(), {m.id for m in members})
    figures = dashboard.compute(filters, zone, companies=can("companies.view"), leads=can("leads.view"),
                                opportunities=can("opportunities.view"), interactions=can("interactions.view"))
    return htmx.render("dashboard/home.html", "dashboard/_figures.html", filters=filters, board=figures,
                       members=members, periods=dashboard.PERIODS, zone=zone,
                       percent_text=dashboard.percent_text, charts=charts,
                       month_end=dashboard.month_end, top_deals_shown=dashboard.TOP_DEALS)
