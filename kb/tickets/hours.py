"""Support-hours arithmetic: "someone will contact you by ..." counts only the hours the
help desk is open, skipping evenings, weekends, public holidays (the ``holidays`` package, for
the country and region in support.yml, so the list never runs out) and local closure days."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from kb.states import Priority

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _zone(cfg: Mapping[str, Any] | None = None) -> ZoneInfo:
    if cfg is None:
        from kb.core.services import support

        cfg = support()
    return ZoneInfo(str(cfg.get("timezone") or "UTC"))


def _aware(value: datetime) -> datetime:
    """Every time the site keeps is aware; a naive one would be read in the server's zone."""
    if value.utcoffset() is None:
        raise ValueError(f"a time without a time zone: {value!r}")
    return value


def to_local(value: datetime, cfg: Mapping[str, Any] | None = None) -> datetime:
    """A stored (aware UTC) time in the help desk's time zone."""
    return _aware(value).astimezone(_zone(cfg))


def from_local(value: datetime, cfg: Mapping[str, Any] | None = None) -> datetime:
    """A wall-clock time typed in the help desk's time zone (a form's naive value), as aware
    UTC for storing."""
    if value.utcoffset() is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=_zone(cfg)).astimezone(UTC)


def to_utc(value: datetime) -> datetime:
    return _aware(value).astimezone(UTC)


@lru_cache(maxsize=16)
def _public_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The country's calendar; it fills in each year the first time a date in it is asked."""
    return holidays.country_holidays(country, subdiv=subdivision)


def is_closed_day(day: date, cfg: Mapping[str, Any]) -> bool:
    """A public holiday (support.yml's ``public_holidays``) or a local closure day."""
    closures = {d if isinstance(d, date) else date.fromisoformat(str(d))
                for d in cfg.get("closures") or []}
    if day in closures:
        return True
    public = cfg.get("public_holidays") or {}
    if public.get("country"):
        return day in _public_holidays(str(public["country"]), public.get("subdivision"))
    return False


def _windows(day: date, cfg: Mapping[str, Any]) -> tuple[time, time] | None:
    if is_closed_day(day, cfg):
        return None
    span = (cfg.get("hours") or {}).get(DAYS[day.weekday()])
    if not span:
        return None
    return time.fromisoformat(str(span[0])), time.fromisoformat(str(span[1]))


def _open_spans(start_local: datetime, cfg: Mapping[str, Any]) -> Iterator[tuple[datetime,
                                                                               datetime]]:
    """Open periods from ``start_local`` onwards, for at most two years."""
    zone = start_local.tzinfo
    day = start_local.date()
    for _ in range(730):
        win = _windows(day, cfg)
        if win:
            opens = datetime.combine(day, win[0], zone)
            closes = datetime.combine(day, win[1], zone)
            if closes > start_local:
                yield max(opens, start_local), closes
        day += timedelta(days=1)


def add_support_hours(start: datetime, hours: float, cfg: Mapping[str, Any]) -> datetime:
    """The moment ``hours`` of open time have passed after ``start`` (aware; UTC out)."""
    remaining = timedelta(hours=hours)
    local = to_local(start, cfg)
    last = local
    for opens, closes in _open_spans(local, cfg):
        if closes - opens >= remaining:
            return to_utc(opens + remaining)
        remaining -= closes - opens
        last = closes
    return to_utc(last + remaining)  # no opening hours configured: plain clock time


def support_hours_between(start: datetime, end: datetime, cfg: Mapping[str, Any]) -> float:
    """Open hours from ``start`` to ``end``; negative when ``end`` is before ``start``."""
    if end < start:
        return -support_hours_between(end, start, cfg)
    local_end = to_local(end, cfg)
    total = timedelta()
    for opens, closes in _open_spans(to_local(start, cfg), cfg):
        if opens >= local_end:
            break
        total += min(closes, local_end) - opens
    return total.total_seconds() / 3600


def respond_by(created: datetime, priority: str, cfg: Mapping[str, Any]) -> datetime:
    target = ((cfg.get("priorities") or {}).get(priority) or {}).get("respond_hours", 8)
    return add_support_hours(created, float(target), cfg)


def resolve_by(created: datetime, priority: str, cfg: Mapping[str, Any]) -> datetime:
    """When the resolution target of support.yml falls due (in support hours)."""
    target = ((cfg.get("priorities") or {}).get(priority) or {}).get("resolve_hours", 40)
    return add_support_hours(created, float(target), cfg)


def priority_for(impact: str, urgency: str, cfg: Mapping[str, Any]) -> Priority:
    matrix = cfg.get("priority_matrix") or {}
    return Priority(str((matrix.get(impact) or {}).get(urgency) or Priority.P3))


def describe_deadline(due: datetime, now: datetime, cfg: Mapping[str, Any]) -> str:
    """'by 11:00 today', 'by 09:30 tomorrow (Wednesday 25 November)', or the full date."""
    due_l, now_l = to_local(due, cfg), to_local(now, cfg)
    from babel.dates import format_date
    from flask_babel import gettext as _

    from kb.core.i18n import current_language

    clock = due_l.strftime("%H:%M")
    # Babel's day and month names in the reader's language ("Tuesday 24 November" in English).
    full = format_date(due_l.date(), "EEEE d MMMM", locale=current_language())
    if due_l.date() == now_l.date():
        return _("by %(clock)s today", clock=clock)
    if due_l.date() == now_l.date() + timedelta(days=1):
        return _("by %(clock)s tomorrow (%(day)s)", clock=clock, day=full)
    return _("by %(clock)s on %(day)s", clock=clock, day=full)
