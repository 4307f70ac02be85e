"""The current time, in one place so that tests can move it instead of sleeping."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

_shift = timedelta(0)


def now() -> datetime:
    return datetime.now(timezone.utc) + _shift


def travel(delta: timedelta) -> None:
    """Move the clock forward (tests only): a lock window passes without waiting for it."""
    global _shift
    _shift += delta


def reset() -> None:
    global _shift
    _shift = timedelta(0)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes even for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
