"""One URL answers both the full page and its fragment; this module decides which."""

import json

from flask import make_response
from flask import render_template
from flask import request

from crm.extensions import htmx


def wants_fragment() -> bool:
    """An htmx swap, but not a history restore or a boosted navigation (those need the page)."""
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render(page_template: str, fragment_template: str, /, status: int = 200, trigger: dict | None = None, **context):
    """Render the fragment for htmx swaps, else the page (which includes the fragment)."""
    body = render_template(fragment_template if wants_fragment() else page_template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    if trigger:
        response.headers["HX-Trigger"] = json.dumps(trigger)
    return response


def toast(message: str, level: str = "success") -> dict:
    return {"toast": {"message": message, "level": level}}


def is_htmx() -> bool:
    return bool(request.headers.get("HX-Request"))
