"""Saved views: a member names a list's filter (its query string) and may share it.

A view is the list's URL query without its page cursors, so opening it shows the first
page of the same search, filters, sort and page size. Everyone sees their own views and the
views shared with the organization; only the owner renames or deletes a view.
"""

import importlib
from dataclasses import dataclass
from urllib.parse import parse_qsl
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from crm.extensions import db
from crm.models import SavedView
from crm.models import User
from crm.models.views import VIEW_ENTITIES
from crm.services import ServiceError
from crm.services.listing import ListSpec
from crm.services.listing import parse_state
from crm.services.records import actor_id
from crm.services.records import check_printable

NAME_MAX = 80
QUERY_MAX = 2000
# Where a list is in its pages is not part of the view: it always opens on the first page.
NOT_SAVED = ("after", "before", "csrf_token", "page")
ENTITY_LABELS = {"companies": "companies", "contacts": "contacts", "leads": "leads", "opportunities": "opportunities"}


@dataclass(frozen=True)
class ViewItem:
    """What the Views menu shows of one saved view."""

    id: int
    name: str
    query: str
    shared: bool
    mine: bool
    owner_name: str


def check_entity(entity) -> str:
    if entity not in VIEW_ENTITIES:
        raise ServiceError("Saved views exist for companies, contacts, leads and opportunities only.", "entity")
    return entity


def _list_spec(entity: str) -> ListSpec | None:
    """The list's spec (``crm.services.<entity>.LIST``), when that list is built."""
    try:
        module = importlib.import_module(f"crm.services.{entity}")
    except ImportError:
        return None
    spec = getattr(module, "LIST", None)
    return spec if isinstance(spec, ListSpec) else None


def clean_query(entity: str, query: str | None) -> str:
    """The list state a view keeps, normalised: no cursors, values the list understands.

    With the list's spec at hand the query goes through the list's own parser, so an unknown
    sort or filter value is dropped rather than saved; otherwise only cursors are removed.
    """
    pairs = [(k, v) for k, v in parse_qsl((query or "").lstrip("?"), keep_blank_values=False)
             if k not in NOT_SAVED]
    spec = _list_spec(entity)
    if spec is not None:
        state = parse_state(spec, MultiDict(pairs))
        cleaned = state.query_string()
    else:
        cleaned = urlencode(pairs)
    if len(cleaned) > QUERY_MAX:
        raise ServiceError("This filter is too long to save; remove some of it and try again.", "name")
    return cleaned


def clean_name(value) -> str:
    name = check_printable(" ".join((value or "").split()), "name", "view's name")
    if not name:
        raise ServiceError("Give the view a name.", "name")
    if len(name) > NAME_MAX:
        raise ServiceError(f"Keep the view's name to {NAME_MAX} characters or fewer (it has {len(name)}).", "name")
    return name


def _check_unique(entity: str, name: str, owner_id: int, except_id: int | None = None) -> None:
    query = sa.select(SavedView.id).where(SavedView.owner_id == owner_id, SavedView.entity == entity,
                                          sa.func.lower(SavedView.name) == name.lower())
    if except_id is not None:
        query = query.where(SavedView.id != except_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise _duplicate(entity, name)


def _duplicate(entity: str, name: str) -> ServiceError:
    return ServiceError(f"You already have a view of {ENTITY_LABELS[entity]} named “{name}”. "
                        "Choose another name, or delete the old view first.", "name")


def _flush(entity: str, name: str) -> None:
    """Flush; the same name saved twice at once is a refusal, not a 500 (the caller rolls back)."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _duplicate(entity, name) from None


def views_for(entity: str, user_id: int | None = None) -> list[ViewItem]:
    """The member's own views of this list and the ones shared with the organization (one query)."""
    user_id = actor_id() if user_id is None else user_id
    if entity not in VIEW_ENTITIES or user_id is None:
        return []
    rows = db.session.execute(
        sa.select(SavedView, User.name).join(User, User.id == SavedView.owner_id)
        .where(SavedView.entity == entity, sa.or_(SavedView.owner_id == user_id, SavedView.shared.is_(True)))
        .order_by(sa.func.lower(SavedView.name), SavedView.id)
    ).all()
    return [ViewItem(id=v.id, name=v.name, query=v.query, shared=v.shared, mine=v.owner_id == user_id, owner_name=name)
            for v, name in rows]


def create_view(entity, name, query, shared: bool) -> SavedView:
    """Save the list's current filter under a name for the signed-in member."""
    entity = check_entity(entity)
    name = clean_name(name)
    owner_id = actor_id()
    _check_unique(entity, name, owner_id)
    view = SavedView(owner_id=owner_id, entity=entity, name=name, query=clean_query(entity, query), shared=bool(shared))
    db.session.add(view)
    _flush(entity, name)
    return view


def own_view(view_id: int) -> SavedView | None:
    """The signed-in member's view with this id; others' views (shared or not) are not theirs."""
    return db.session.scalar(sa.select(SavedView).where(SavedView.id == view_id, SavedView.owner_id == actor_id()))


def rename_view(view: SavedView, name, shared: bool | None = None) -> None:
    name = clean_name(name)
    _check_unique(view.entity, name, view.owner_id, except_id=view.id)
    view.name = name
    if shared is not None:
        view.shared = bool(shared)
    _flush(view.entity, name)


def delete_view(view: SavedView) -> None:
    db.session.delete(view)
