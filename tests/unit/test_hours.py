"""Response deadlines count only support hours: evenings, weekends and holidays are skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kb.config import ROOT
from kb.core.services import load_support
from kb.tickets.hours import (
    add_support_hours,
    describe_deadline,
    from_local,
    is_closed_day,
    priority_for,
    respond_by,
    support_hours_between,
    to_local,
)

WEEKDAYS = {d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
CFG = {
    "timezone": "Europe/London",
    "hours": WEEKDAYS,
    "closures": ["2026-12-25", "2026-12-28"],
    "priorities": {"P1": {"respond_hours": 1}, "P3": {"respond_hours": 4},
                   "P4": {"respond_hours": 8}},
    "priority_matrix": {"everyone": {"high": "P1"}, "me": {"normal": "P3", "low": "P4"}},
}


def utc(*args: int) -> datetime:
    """Aware UTC, as stored. London is on GMT (= UTC) in November and December."""
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("start", "hours", "expected"), [
    # Tuesday morning: same day.
    (utc(2026, 11, 24, 10, 0), 4, utc(2026, 11, 24, 14, 0)),
    # Tuesday 17:00: one hour today, three tomorrow morning.
    (utc(2026, 11, 24, 17, 0), 4, utc(2026, 11, 25, 11, 0)),
    # Sent in the evening: the clock starts when the desk opens.
    (utc(2026, 11, 24, 20, 30), 1, utc(2026, 11, 25, 9, 0)),
    # Sent before opening.
    (utc(2026, 11, 25, 6, 0), 2, utc(2026, 11, 25, 10, 0)),
    # Friday afternoon runs over the weekend to Monday.
    (utc(2026, 11, 27, 16, 0), 4, utc(2026, 11, 30, 10, 0)),
    # Sent on a Saturday.
    (utc(2026, 11, 28, 12, 0), 2, utc(2026, 11, 30, 10, 0)),
    # Christmas Eve evening: Friday 25 and Monday 28 are holidays, so Tuesday 29.
    (utc(2026, 12, 24, 17, 0), 4, utc(2026, 12, 29, 11, 0)),
    # Exactly at closing time, nothing is left today.
    (utc(2026, 11, 24, 18, 0), 1, utc(2026, 11, 25, 9, 0)),
    # A whole day's worth ends at closing time, not at the next opening.
    (utc(2026, 11, 24, 8, 0), 10, utc(2026, 11, 24, 18, 0)),
])
def test_add_support_hours(start: datetime, hours: float, expected: datetime) -> None:
    assert add_support_hours(start, hours, CFG) == expected


def test_summer_time_is_local_time() -> None:
    """In June London is UTC+1: the desk opens at 07:00 UTC."""
    start = utc(2027, 6, 1, 6, 0)  # 07:00 in London, before opening
    assert add_support_hours(start, 1, CFG) == utc(2027, 6, 1, 8, 0)


def test_support_hours_between_skips_the_weekend() -> None:
    assert support_hours_between(utc(2026, 11, 27, 16, 0), utc(2026, 11, 30, 10, 0),
                                 CFG) == pytest.approx(4)
    assert support_hours_between(utc(2026, 11, 30, 10, 0), utc(2026, 11, 27, 16, 0),
                                 CFG) == pytest.approx(-4)


def test_no_opening_hours_falls_back_to_clock_time() -> None:
    cfg = {"timezone": "UTC", "hours": {}}
    assert add_support_hours(utc(2026, 11, 28, 12, 0), 3, cfg) == utc(2026, 11, 28, 15, 0)


def test_priority_matrix_and_default() -> None:
    assert priority_for("everyone", "high", CFG) == "P1"
    assert priority_for("me", "low", CFG) == "P4"
    assert priority_for("team", "whenever", CFG) == "P3"


def test_respond_by_uses_the_target_for_the_priority() -> None:
    friday = utc(2026, 11, 27, 17, 0)
    assert respond_by(friday, "P1", CFG) == utc(2026, 11, 27, 18, 0)
    assert respond_by(friday, "P4", CFG) == utc(2026, 11, 30, 15, 0)


def test_bundled_support_file_easter_and_clock_change() -> None:
    """The real support.yml: Good Friday and Easter Monday 2027 are closed, and the clocks go
    forward on the Sunday between them."""
    cfg = load_support(Path(ROOT / "support.yml"))
    assert cfg["timezone"] == "Europe/London"
    thursday = utc(2027, 3, 25, 17, 0)  # 17:00 GMT
    # P3 = 4 support hours: 1 on Thursday, then Tuesday 30 March from 08:00 BST (07:00 UTC).
    assert priority_for("me", "normal", cfg) == "P3"
    assert respond_by(thursday, "P3", cfg) == utc(2027, 3, 30, 10, 0)


def test_describe_deadline_in_words() -> None:
    now = utc(2026, 11, 24, 9, 0)
    assert describe_deadline(utc(2026, 11, 24, 13, 0), now, CFG) == "by 13:00 today"
    assert describe_deadline(utc(2026, 11, 25, 9, 30), now, CFG) == (
        "by 09:30 tomorrow (Wednesday 25 November)")
    assert describe_deadline(utc(2026, 11, 30, 10, 0), now, CFG) == (
        "by 10:00 on Monday 30 November")


def test_public_holidays_come_from_the_holidays_package() -> None:
    """No list to run out: Christmas 2031 (Thursday) and Boxing Day are closed in England."""
    cfg = {**CFG, "closures": [], "public_holidays": {"country": "GB", "subdivision": "ENG"}}
    assert is_closed_day(date(2031, 12, 25), cfg) and is_closed_day(date(2031, 12, 26), cfg)
    assert not is_closed_day(date(2031, 12, 24), cfg)
    # Wednesday 24 December 2031, 17:00: 1 hour that day, then Monday 29 December.
    assert add_support_hours(utc(2031, 12, 24, 17, 0), 4, cfg) == utc(2031, 12, 29, 11, 0)


def test_regions_differ_and_closures_add_to_them() -> None:
    """2 January is a bank holiday in Scotland, not in England; a local closure adds a day."""
    scotland = {**CFG, "closures": [], "public_holidays": {"country": "GB", "subdivision": "SCT"}}
    england = {**scotland, "public_holidays": {"country": "GB", "subdivision": "ENG"}}
    assert is_closed_day(date(2029, 1, 2), scotland)
    assert not is_closed_day(date(2029, 1, 2), england)
    closed = {**england, "closures": [date(2029, 1, 2)]}
    assert is_closed_day(date(2029, 1, 2), closed)


def test_times_are_aware_in_and_out() -> None:
    """A naive time would be read in the server's zone: refused. A time typed in a form (naive,
    the help desk's wall clock) becomes aware UTC, summer time included."""
    summer = {**CFG, "timezone": "Europe/London"}
    with pytest.raises(ValueError, match="time zone"):
        to_local(datetime(2027, 6, 1, 9, 0), summer)
    with pytest.raises(ValueError, match="time zone"):
        add_support_hours(datetime(2027, 6, 1, 9, 0), 1, summer)
    assert from_local(datetime(2027, 6, 1, 9, 0), summer) == utc(2027, 6, 1, 8, 0)
    assert from_local(datetime(2027, 1, 4, 9, 0), summer) == utc(2027, 1, 4, 9, 0)
    assert to_local(utc(2027, 6, 1, 8, 0), summer).hour == 9
    assert add_support_hours(utc(2027, 6, 1, 8, 0), 1, summer).tzinfo is UTC
