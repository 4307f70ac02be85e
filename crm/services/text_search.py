"""The search boxes' matching: case-insensitive, by the start of a field, word by word.

Every word of the query must start one of the record's fields ("ada love" finds Ada
Lovelace), or the whole query must start one ("globex corp" finds Globex Corporation). A
word of digits also matches the start of a phone number, stored in E.164, typed with or
without the country code; a whole query that looks like a phone number, "(415) 555-0123",
matches on all its digits. ``%`` and ``_`` are plain characters.

Why prefixes and these operators: on PostgreSQL every tenant table is under row-level
security, and there only *leakproof* conditions may drive an index scan. ``lower()``,
``LIKE``, ``ILIKE`` and pg_trgm's operators are not leakproof, so ``lower(name) LIKE '%ada%'``
reads every row of the organization. The range operators ``>=`` and ``<`` are leakproof:
compared under the ICU collation ``crm_ci`` (case ignored; migration 0004), ``name >= 'ada'
AND name < 'ada' || U+FFFF`` is a prefix match that walks an ``(org_id, name COLLATE crm_ci)``
index (migrations 0004, 0005; docs/performance.md). SQLite keeps ``lower(name) LIKE 'ada%'``,
with the same meaning for the letters it lowers (ASCII).
"""

import re
from typing import Callable

import phonenumbers
import sqlalchemy as sa
from flask import current_app

from crm.extensions import db
from crm.models.base import SEARCH_COLLATION

# Nobody types control characters into a search box, and PostgreSQL refuses a NUL byte even
# in a comparison: they are dropped (tabs and line breaks are spaces, as everywhere).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PREFIX_END = "\uffff"  # sorts after every character in ICU collations: the end of a prefix range
MAX_WORDS = 5
MIN_PHONE_DIGITS = 3

# prefix, postgres -> the conditions that this prefix starts one of a record's fields
Fields = Callable[[str, bool], list]


def on_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def starts_with(column, prefix: str, postgres: bool):
    """``column`` starts with ``prefix``, ignoring case."""
    if postgres:
        value = sa.collate(column, SEARCH_COLLATION)
        return sa.and_(value >= prefix, value < prefix + PREFIX_END)
    escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(escaped + "%", escape="\\")


def starts_any(columns, prefix: str, postgres: bool) -> list:
    return [starts_with(column, prefix, postgres) for column in columns]


def same_text(column, value: str, postgres: bool):
    """``column`` equals ``value`` ignoring case, through the ``crm_ci`` index on PostgreSQL."""
    if postgres:
        return sa.collate(column, SEARCH_COLLATION) == value
    return sa.func.lower(column) == value.lower()


def id_among(column, ids: sa.Select, postgres: bool):
    """``column`` is one of the ids ``ids`` selects (a match in another table).

    On PostgreSQL as ``column = ANY(ARRAY(subquery))``: the subquery runs once, and the
    condition on its result is leakproof and can be one arm of a BitmapOr with the record's own
    fields. ``column IN (subquery)`` inside an OR can be neither: PostgreSQL would check it row
    by row over the whole organization.
    """
    if postgres:
        return column == sa.any_(sa.func.array(ids.scalar_subquery()))
    return column.in_(ids)


def phone_prefixes(text: str) -> list[str]:
    """The E.164 beginnings that digits typed in a search box stand for ([] if not a phone)."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < MIN_PHONE_DIGITS or any(c.isalpha() for c in text):
        return []
    if text.lstrip().startswith("+"):
        return ["+" + digits]
    region = current_app.config.get("DEFAULT_PHONE_REGION", "US")
    country = str(phonenumbers.country_code_for_region(region) or "")
    return ["+" + digits] + (["+" + country + digits] if country else [])


def matching(term: str, text: Fields, phone: Fields | None = None):
    """The where clause for ``term`` (see the module docstring).

    ``text(prefix, postgres)`` gives the conditions for a prefix of the record's text fields,
    ``phone(prefix, postgres)`` those for an E.164 prefix of its phone numbers.
    """
    postgres = on_postgres()
    words = CONTROL_CHARACTERS.sub("", term).split()[:MAX_WORDS]
    if not words:
        return sa.true()

    def starts_a_field(prefix: str) -> list:
        found = text(prefix, postgres)
        if phone is not None:
            for number in phone_prefixes(prefix):
                found += phone(number, postgres)
        return found

    every_word = sa.and_(*(sa.or_(*starts_a_field(word)) for word in words))
    if len(words) == 1:
        return every_word
    return sa.or_(every_word, *starts_a_field(" ".join(words)))
