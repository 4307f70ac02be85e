"""Contacts: the list, the record page with emails and phones, duplicates and merging."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)

from crm.blueprints.contacts import routes  # noqa: E402,F401
