"""The period a lead looks at: the last 7, 30 or 90 days, or chosen days from–to.

Days are whole UTC days; "to" is included. Anything else (a made-up length, a date that is
not a date, "to" before "from", more than MAX_DAYS, a start before MIN_DATE or after today)
is refused with a plain message and a 400, never a 500."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from kb.core.sqltime import week_number

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 400  # the logs are kept about this long (KB_LOG_RETENTION_DAYS)
MIN_DATE = date(2000, 1, 3)  # the first Monday of 2000: week 0 (kb.core.sqltime)


class PeriodError(ValueError):
    """What is wrong with the period asked for, in words for the page."""


@dataclass(frozen=True)
class Period:
    first: date  # the first day shown
    last: date  # the last day shown (included)
    preset: int | None  # 7, 30 or 90 when one of those was picked

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def describe(self) -> str:
        if self.preset:
            return f"the last {self.preset} days"
        return f"{_say(self.first)} to {_say(self.last)}"

    def args(self) -> dict[str, str]:
        """The query string that gives this period again (for links and CSV downloads)."""
        if self.preset:
            return {"days": str(self.preset)}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def weeks(self) -> list[int]:
        """Every week number in the period (kb.core.sqltime.week_index), empty ones too."""
        return list(range(week_number(self.first), week_number(self.last) + 1))


def _say(day: date) -> str:
    return day.strftime("%d %B %Y").lstrip("0")


def _day(value: Any, name: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise PeriodError(f"Give the {name} date as year-month-day, for example 2026-11-30.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"The {name} date is not a real date. Use year-month-day, "
                          "for example 2026-11-30.") from None


def parse_period(args: Any, today: date) -> Period:
    """The period from the query string (``days``, or ``from`` and ``to``)."""
    start, stop = args.get("from"), args.get("to")
    if start or stop:
        first = _day(start, "from")
        last = _day(stop, "to") if stop else today
        if last < first:
            raise PeriodError("The 'to' date is before the 'from' date.")
        if first < MIN_DATE or first > today:
            raise PeriodError("The 'from' date must be between 2000 and today.")
        last = min(last, today)
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError(f"Choose at most {MAX_DAYS} days.")
        return Period(first, last, None)
    raw = args.get("days")
    if raw in (None, ""):
        days = DEFAULT_DAYS
    elif isinstance(raw, str) and raw in {str(p) for p in PRESETS}:  # not isdigit(): '²'
        days = int(raw)
    else:
        raise PeriodError("Choose 7, 30 or 90 days, or your own dates.")
    return Period(today - timedelta(days=days - 1), today, days)
