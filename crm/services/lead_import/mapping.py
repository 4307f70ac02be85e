"""Which column of the file goes into which field of a lead: guessed from the header, or taken
from the organization's last import where the same column name appeared, and edited by the
person importing."""

import re

import sqlalchemy as sa

from crm.extensions import db
from crm.models import LeadImport
from crm.services import ServiceError

# The lead fields a column can fill, in the order the mapping form lists them.
FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "company_name": "Company",
    "title": "Job title",
    "company_size": "Company size",
    "country": "Country",
}
IGNORE = ""
SYNONYMS = {
    "first_name": ("first name", "firstname", "first", "given name", "forename", "prenom", "vorname", "nombre"),
    "last_name": ("last name", "lastname", "last", "surname", "family name", "nom", "nachname", "apellido",
                  "name", "full name", "contact name", "contact"),
    "email": ("email", "e mail", "email address", "e mail address", "mail", "work email", "business email",
              "courriel", "correo"),
    "phone": ("phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "cell", "work phone",
              "telefon", "telefono"),
    "company_name": ("company", "company name", "organization", "organisation", "account", "account name",
                     "employer", "firma", "societe", "empresa"),
    "title": ("title", "job title", "position", "role", "job", "job role", "designation", "poste"),
    "company_size": ("company size", "size", "employees", "number of employees", "no of employees", "headcount",
                     "employee count", "company headcount", "taille", "mitarbeiter"),
    "country": ("country", "country name", "country region", "nation", "pays", "land", "pais"),
}
_LOOKUP = {synonym: field for field, synonyms in SYNONYMS.items() for synonym in synonyms}


def header_key(name: str) -> str:
    """A column name as compared: case, accents of the usual kind, punctuation and spacing ignored."""
    name = name.lower().translate(str.maketrans("éèêàçñ", "eeeacn"))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name).split())


def guess(header: list[str], remembered: dict[str, str] | None = None) -> list[str]:
    """A field (or ``IGNORE``) per column: the last import's choice for a column of the same
    name, else a synonym match; no field is given to two columns."""
    remembered = remembered or {}
    mapping, taken = [], set()
    for name in header:
        key = header_key(name)
        field = remembered.get(key, _LOOKUP.get(key, IGNORE))
        if field in taken:
            field = IGNORE
        if field:
            taken.add(field)
        mapping.append(field)
    return mapping


def remembered() -> dict[str, str]:
    """The organization's last mapping, by column name: what its latest started import chose."""
    last = db.session.execute(sa.select(LeadImport.header, LeadImport.mapping)
                              .where(LeadImport.mapping.is_not(None))
                              .order_by(LeadImport.created_at.desc(), LeadImport.id.desc()).limit(1)).first()
    if last is None:
        return {}
    return {header_key(name): field for name, field in zip(last.header, last.mapping)}


def from_form(form, header: list[str]) -> list[str]:
    """The mapping the person chose (``column_0`` ... ``column_n``), checked."""
    mapping, seen = [], {}
    for i, name in enumerate(header):
        field = (form.get(f"column_{i}") or IGNORE).strip()
        if field not in FIELDS and field != IGNORE:
            raise ServiceError(f"Choose what the column “{name}” holds from the list.", f"column_{i}")
        if field and field in seen:
            raise ServiceError(f"Both “{seen[field]}” and “{name}” are mapped to {FIELDS[field]}; "
                               "map one of them to “Ignore this column”.", f"column_{i}")
        if field:
            seen[field] = name
        mapping.append(field)
    check_required(mapping, header)
    return mapping


def check_required(mapping: list[str], header: list[str]) -> None:
    """An import needs an Email or a Last name column: a lead is known by one or the other."""
    if "email" in mapping or "last_name" in mapping:
        return
    if len(header) == 1:
        raise ServiceError(f"The file has a single column (“{header[0][:60]}”), so its delimiter was not "
                           "recognized: separate the columns with commas, semicolons or tabs.", "column_0")
    raise ServiceError("Map a column to Email or to Last name: every lead needs one or the other "
                       "(and Email is how duplicates are found).", "column_0")


def from_form_loosely(form, header: list[str]) -> list[str]:
    """What the form chose, unchecked: to show the choices again next to an error."""
    return [value if value in FIELDS else IGNORE for value in (form.get(f"column_{i}") for i in range(len(header)))]
