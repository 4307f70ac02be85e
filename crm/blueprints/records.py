"""View helpers shared by the record blueprints (companies, contacts, leads)."""

from flask import redirect
from flask import request
from flask import url_for

from crm.extensions import htmx
from crm.htmx import toast


def list_target() -> bool:
    """True when htmx asks for the results region only (search, filter, sort, page)."""
    return bool(htmx) and not htmx.history_restore_request and htmx.target == "results"


def ids_from_request() -> list[str]:
    return request.values.getlist("ids")


def deleted_toast(message: str, undo_url: str) -> dict:
    payload = toast(message)
    payload["toast"]["undo"] = undo_url
    return payload


def after_create(endpoint: str, **values):
    """Go to the new record: a real redirect, or HX-Redirect for an htmx form."""
    url = url_for(endpoint, **values)
    if htmx:
        response = redirect(url)
        response.status_code = 204
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
