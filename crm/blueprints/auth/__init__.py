"""Accounts: sign up, sign in and out, choose an organization, accept an invitation."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from crm.blueprints.auth import routes  # noqa: E402,F401
