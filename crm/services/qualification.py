"""Qualifying a lead: budget, authority, need and timeline (BANT), and the rule that a lead is
"qualified" only when all four are known, whichever way its status gets there (the Qualify
button or the edit form), so that conversion can rely on them."""

from decimal import Decimal
from decimal import InvalidOperation

from crm import clock
from crm.models import Lead
from crm.services import ServiceError
from crm.services.records import clean_text
from crm.services.records import record_event

BANT = (("budget", "budget"), ("authority", "authority"), ("need", "need"), ("timeline", "timeline"))
MAX_BUDGET = Decimal("999999999999.99")  # Money is Numeric(14, 2)


def missing(lead: Lead) -> list[str]:
    """The qualification fields still empty, in BANT order."""
    return [label for name, label in BANT if getattr(lead, name) in (None, "")]


def listed(words: list[str]) -> str:
    """ "budget", "budget and timeline", "budget, need and timeline"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def missing_message(lead: Lead) -> str | None:
    gaps = missing(lead)
    return f"Fill in {listed(gaps)} before qualifying." if gaps else None


def parse_budget(value) -> Decimal | None:
    """A non-negative amount with at most two decimals ("12,500" and "12500.50" are fine)."""
    text = str(value or "").strip().replace(",", "").replace(" ", "")
    if not text:
        return None
    try:
        amount = Decimal(text) if len(text) <= 30 else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ServiceError("Enter the budget as an amount, for example 12500 or 12500.50.", "budget")
    if amount < 0:
        raise ServiceError("The budget cannot be negative. Enter 0 or more.", "budget")
    if amount > MAX_BUDGET:
        raise ServiceError("That budget is too large (999,999,999,999.99 at most).", "budget")
    if amount != amount.quantize(Decimal("0.01")):
        raise ServiceError("Enter the budget with at most two decimals.", "budget")
    return amount.quantize(Decimal("0.01"))


def clean(form) -> dict:
    return {
        "budget": parse_budget(form.get("budget")),
        "authority": clean_text(form.get("authority"), "authority", "authority", 200),
        "need": clean_text(form.get("need"), "need", "need", 1000),
        "timeline": clean_text(form.get("timeline"), "timeline", "timeline", 200),
    }


def update(lead: Lead, form) -> list[str]:
    """Save the qualification fields; returns the names of those that changed.

    A qualified lead keeps all four filled in (conversion counts on them); a converted one
    keeps what it was converted with."""
    if lead.status == "converted":
        raise ServiceError("This lead has been converted; its qualification is kept as it was at conversion.")
    values = clean(form)
    if lead.status == "qualified":
        gaps = [label for name, label in BANT if values[name] in (None, "")]
        if gaps:
            raise ServiceError(f"A qualified lead needs its {listed(gaps)}. Fill {'it' if len(gaps) == 1 else 'them'} "
                               "in, or set the status back to working first.", gaps[0])
    changed = {k: v for k, v in values.items() if getattr(lead, k) != v}
    for key, value in changed.items():
        setattr(lead, key, value)
    if changed:
        record_event("updated", f"Changed {', '.join(sorted(changed))}", lead_id=lead.id,
                     data={"fields": sorted(changed)})
    return sorted(changed)


def check_status(lead: Lead | None, status: str) -> None:
    """The edit form may set "qualified" only as the Qualify button would."""
    if status != "qualified" or (lead is not None and lead.status == "qualified"):
        return
    if lead is None:
        raise ServiceError("A new lead cannot be qualified yet: save it, fill in its budget, authority, need and "
                           "timeline, then qualify it.", "status")
    message = missing_message(lead)
    if message:
        raise ServiceError(message, "status")


def status_changed(lead: Lead, before: str) -> None:
    """Keep ``qualified_at`` in step with the status (the edit form changed it from ``before``)."""
    if lead.status == "qualified" and before != "qualified":
        lead.qualified_at = clock.now()
    elif lead.status not in ("qualified", "converted"):
        lead.qualified_at = None


def qualify(lead: Lead) -> None:
    if lead.status == "converted":
        raise ServiceError("This lead has already been converted.")
    if lead.status == "qualified":
        raise ServiceError("This lead is already qualified.")
    message = missing_message(lead)
    if message:
        raise ServiceError(message)
    lead.status = "qualified"
    lead.qualified_at = clock.now()
    record_event("qualified", f"Lead {lead.full_name} qualified", lead_id=lead.id)
