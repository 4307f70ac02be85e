"""One row of a file checked as a lead, by the lead form's own rules (crm.services.records: the
same lengths, email and phone checks and messages), so an import stores nothing the form
would refuse.

The one shortcut is for speed (a file has 100,000 rows; email_validator costs 50 µs a row):
an address of the everyday ASCII shape, which email_validator would accept unchanged, is
taken as it is; anything else goes through email_validator.
"""

import re

from crm.models import Lead
from crm.models.people import SIZE_BANDS
from crm.services import ServiceError
from crm.services.records import clean_text
from crm.services.records import normalize_email
from crm.services.records import normalize_phone

TEXT_FIELDS = {"first_name": "first name", "last_name": "last name", "company_name": "company name", "title": "title",
               "country": "country"}
LENGTHS = {name: Lead.__table__.c[name].type.length for name in TEXT_FIELDS}
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}")
# email_validator refuses these top-level names (special use, RFC 6761 and others).
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


class RowRejected(ServiceError):
    """This row cannot become a lead; the message is the reason the rejected-rows file gives."""


def _email(value: str) -> str | None:
    value = value.strip().lower()
    local, _, domain = value.partition("@")
    if (len(value) <= 254 and len(local) <= 64 and _PLAIN_EMAIL.fullmatch(value) and "xn--" not in domain
            and domain.rsplit(".", 1)[-1] not in _SPECIAL_USE):
        return value
    return normalize_email(value)


def company_size_band(value: str | None) -> str | None:
    """One of the lead form's size bands, given as the band itself or as a number of employees
    (``250`` or ``1,200``, which lists exported from other tools hold as often as bands)."""
    value = " ".join((value or "").split())
    if not value:
        return None
    compact = value.replace(" ", "")
    if compact in SIZE_BANDS:
        return compact
    digits = compact.replace(",", "").replace(".", "") if re.fullmatch(r"\d{1,3}([,.]\d{3})*|\d+", compact) else ""
    if digits:
        employees = int(digits)
        for band in SIZE_BANDS:
            low, _, high = band.rstrip("+").partition("-")
            if employees >= int(low) and (not high or employees <= int(high)):
                return band
        return SIZE_BANDS[0]  # 0 employees: the smallest band
    raise RowRejected(f"“{value[:40]}” is not a company size: give a number of employees or one of "
                      f"{', '.join(SIZE_BANDS)}.")


def lead_values(cells: list[str], mapping: list[str]) -> dict:
    """The lead fields of a row, validated and normalized (email lower-cased, phone in E.164).

    Cells that start like a formula (``=``, ``+``, ``-``, ``@``) are kept as the text they are:
    nothing here evaluates them, and exports put a quote before them (crm.services.export).
    """
    width = len(mapping)
    if any(cell.strip() for cell in cells[width:]):
        raise RowRejected(f"This row has {len(cells)} cells but the header has {width} columns: a cell probably "
                          "holds the delimiter without quotes around it.")
    form = {field: cells[i] for i, field in enumerate(mapping) if field and i < len(cells)}
    try:
        values = {name: clean_text(form.get(name), name, label, LENGTHS[name]) for name, label in TEXT_FIELDS.items()}
        values["email"] = _email(form.get("email") or "")
        values["phone"] = normalize_phone(form.get("phone"))
        values["company_size"] = company_size_band(form.get("company_size"))
    except ServiceError as error:
        raise RowRejected(error.message) from None
    if not (values["first_name"] or values["last_name"] or values["email"]):
        raise RowRejected("Enter a name or an email address.")
    values["first_name"] = values["first_name"] or ""
    values["last_name"] = values["last_name"] or ""
    return values
