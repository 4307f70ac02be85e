"""Lists of records: search, filters, sort and keyset pagination, parsed from the URL.

Keyset ("after this row") rather than OFFSET pagination, so that page 500 costs what page 1
costs: the database seeks in the index that leads with org_id and the sort column. The URL
holds the whole state, so the back button and bookmarks work; anything in it that does not
make sense (an unknown sort, a bad cursor, an unknown filter value) falls back to a default
and is reported as a notice, never an error.
"""

import base64
import json
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any
from typing import Callable

import sqlalchemy as sa

from crm.extensions import db
from crm.services.text_search import CONTROL_CHARACTERS

PER_PAGE_CHOICES = (25, 50, 100)
MAX_SEARCH = 100


@dataclass
class Filter:
    """A named filter: ``choices`` (value -> label) or None for free ids; ``where`` builds the clause."""

    label: str
    where: Callable[[str], Any]
    choices: Callable[[], list[tuple[str, str]]] | None = None


@dataclass
class ListSpec:
    model: Any
    sorts: dict[str, tuple[str, Any]]          # key -> (label, column expression; NOT NULL)
    default_sort: str                          # e.g. "-created_at"
    search: Callable[[str], Any]               # term -> where clause
    filters: dict[str, Filter] = field(default_factory=dict)
    # For a sort on an expression (a coalesce), how to read its value from a row for the cursor.
    sort_values: dict[str, Callable[[Any], Any]] = field(default_factory=dict)


@dataclass
class ListState:
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    after: str | None = None
    before: str | None = None
    per_page: int = 50
    notices: list[str] = field(default_factory=list)

    def args(self, **changes) -> dict:
        """URL arguments for this state with some changed (None removes one)."""
        values = {"q": self.q or None, "sort": self.sort, "per_page": self.per_page if self.per_page != 50 else None,
                  **self.filters}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    def query_string(self) -> str:
        from urllib.parse import urlencode

        return urlencode(self.args())


@dataclass
class Page:
    rows: list
    total: int
    next_cursor: str | None
    prev_cursor: str | None


def parse_state(spec: ListSpec, args) -> ListState:
    state = ListState()
    # Control characters cannot be typed into a search box, and PostgreSQL refuses a NUL byte.
    state.q = " ".join(CONTROL_CHARACTERS.sub("", args.get("q") or "").split())[:MAX_SEARCH]
    sort = args.get("sort") or spec.default_sort
    if sort.lstrip("-") not in spec.sorts:
        state.notices.append(f"Cannot sort by “{sort.lstrip('-')[:40]}”; sorted by {spec.sorts[spec.default_sort.lstrip('-')][0].lower()} instead.")
        sort = spec.default_sort
    state.sort = sort
    for name, flt in spec.filters.items():
        value = (args.get(name) or "").strip()
        if not value:
            continue
        allowed = {v for v, _ in flt.choices()} if flt.choices else None
        if (allowed is not None and value not in allowed) or len(value) > 100:
            state.notices.append(f"Ignored the {flt.label.lower()} filter: “{value[:40]}” is not one of its values.")
            continue
        state.filters[name] = value
    per_page = args.get("per_page", "50")
    state.per_page = int(per_page) if per_page.isdigit() and int(per_page) in PER_PAGE_CHOICES else 50
    state.after, state.before = args.get("after") or None, args.get("before") or None
    return state


def _where(spec: ListSpec, state: ListState, base):
    query = base
    if state.q:
        query = query.where(spec.search(state.q))
    for name, value in state.filters.items():
        query = query.where(spec.filters[name].where(value))
    return query


def _encode(values) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return values if isinstance(values, list) and len(values) == 2 else None
    except (ValueError, TypeError):
        return None


def _cursor_value(column, raw):
    """Turn a cursor's JSON value back into the column's Python type."""
    if raw is None:
        return None
    python_type = getattr(getattr(column, "type", None), "python_type", None)
    if python_type is datetime:
        value = datetime.fromisoformat(raw)
        return value
    if python_type is date and isinstance(raw, str):  # a sort on a date column keeps it as ISO text
        return date.fromisoformat(raw)
    if python_type is int and not isinstance(raw, int):
        raise ValueError
    if isinstance(raw, str) and CONTROL_CHARACTERS.search(raw):
        raise ValueError
    return raw


def _row_key(row, sort_key: str, spec: ListSpec):
    if sort_key in spec.sort_values:
        return [spec.sort_values[sort_key](row), row.id]
    column = spec.sorts[sort_key][1]
    value = getattr(row, column.key)
    return [value, row.id]


def paginate(spec: ListSpec, state: ListState, base) -> Page:
    """Rows of one page in (sort, id) order, with cursors to the next and previous pages."""
    model = spec.model
    key = state.sort.lstrip("-")
    descending = state.sort.startswith("-")
    column = spec.sorts[key][1]
    query = _where(spec, state, base)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.with_only_columns(model.id).order_by(None).subquery()))

    cursor, backwards = (state.before, True) if state.before else (state.after, False)
    if cursor:
        decoded = _decode(cursor)
        try:
            value, last_id = (_cursor_value(column, decoded[0]), int(decoded[1])) if decoded else (None, None)
        except (ValueError, TypeError):
            value, last_id = None, None
        if last_id is None:
            state.notices.append("That page link is out of date; showing the first page.")
            cursor = None
        else:
            forward_is_greater = not descending
            greater = forward_is_greater != backwards
            comparison = sa.tuple_(column, model.id) > sa.tuple_(value, last_id) if greater else \
                sa.tuple_(column, model.id) < sa.tuple_(value, last_id)
            query = query.where(comparison)
    ascending_now = (not descending) != (cursor is not None and backwards)
    order = (column.asc(), model.id.asc()) if ascending_now else (column.desc(), model.id.desc())
    result = db.session.execute(query.order_by(*order).limit(state.per_page + 1))
    # A query of one entity gives objects; a query of columns gives plain rows, read by name.
    rows = result.scalars().unique().all() if query.column_descriptions[0]["expr"] is model else result.all()
    more = len(rows) > state.per_page
    rows = rows[: state.per_page]
    if cursor is not None and not rows and total:
        # A bookmark kept while rows were deleted, or an edited URL: start again from the top.
        state.notices.append("That page is past the end of the list; showing the first page.")
        state.after = state.before = None
        return paginate(spec, state, base)
    if cursor is not None and backwards:
        rows.reverse()
    has_next = more if not (cursor and backwards) else True
    has_prev = (cursor is not None and not backwards) or (backwards and more)
    return Page(
        rows=rows,
        total=total,
        next_cursor=_encode(_row_key(rows[-1], key, spec)) if rows and has_next else None,
        prev_cursor=_encode(_row_key(rows[0], key, spec)) if rows and has_prev else None,
    )


def all_rows(spec: ListSpec, state: ListState, base, batch: int = 1000):
    """Every row matching the list's filter and search, in its order, for exports (in batches)."""
    key = state.sort.lstrip("-")
    column = spec.sorts[key][1]
    order = (column.desc(), spec.model.id.desc()) if state.sort.startswith("-") else (column.asc(), spec.model.id.asc())
    query = _where(spec, state, base).order_by(*order)
    offset = 0
    while True:
        rows = db.session.scalars(query.limit(batch).offset(offset)).unique().all()
        if not rows:
            return
        yield from rows
        offset += batch
