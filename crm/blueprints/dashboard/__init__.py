"""The organization's home page."""

from flask import Blueprint
from flask import render_template

from crm.permissions import require

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@require("dashboard.view")
def home():
    """The first page members see in an organization."""
    return render_template("dashboard/home.html")
