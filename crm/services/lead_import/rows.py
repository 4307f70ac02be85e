"""One row of a file checked as a lead: the same rules as the lead form (crm.services.leads.clean),
so an import can store nothing the form would refuse."""

from crm.services import ServiceError
from crm.services import leads


class RowRejected(ServiceError):
    """This row cannot become a lead; the message is the reason the rejected-rows file gives."""


def lead_values(cells: list[str], mapping: list[str]) -> dict:
    """The lead fields of a row, validated and normalized (email lower-cased, phone in E.164).

    Cells that start like a formula (``=``, ``+``, ``-``, ``@``) are kept as the text they are:
    nothing here evaluates them, and exports put a quote before them (crm.services.export).
    """
    width = len(mapping)
    extra = [cell for cell in cells[width:] if cell.strip()]
    if extra:
        raise RowRejected(f"This row has {len(cells)} cells but the header has {width} columns: a cell probably "
                          "holds the delimiter without quotes around it.")
    form = {field: cells[i] for i, field in enumerate(mapping) if field and i < len(cells)}
    try:
        values = leads.clean(form)
    except ServiceError as error:
        raise RowRejected(error.message) from None
    return {field: values[field] for field in ("first_name", "last_name", "email", "phone", "company_name", "title")}
