"""support.yml read and checked, with file:line:col for every problem. One unquoted 8:00 is
read by YAML as the number 480 (base 60) and used to make every ticket creation fail; here it
is reported, and the site keeps the last settings that were good."""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

from kb.core import yamlsafe
from kb.core.content.problems import Problem
from kb.states import Priority
from kb.wizards.marked import MDict, MList, Pos, to_marked

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IMPACTS = ("everyone", "team", "me")
URGENCIES = ("high", "normal", "low")
KEYS = {"name", "timezone", "hours", "public_holidays", "closures", "contact", "priorities",
        "priority_matrix", "supported", "not_supported", "groups"}
REQUIRED = ("timezone", "hours", "contact", "priorities", "priority_matrix")
log = logging.getLogger(__name__)


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, pos: Pos, message: str) -> None:
        self.problems.append(Problem.at(self.path, pos.line, message, col=pos.col))

    def text(self, data: MDict, key: str) -> None:
        if key in data and not isinstance(data[key], str):
            self.error(data.pos(key), f"'{key}' must be text (put it in quotes)")

    def mapping(self, data: MDict, key: str) -> MDict | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, MDict):
            self.error(data.pos(key), f"'{key}' must be a set of 'name: value' lines")
            return None
        return value

    def text_list(self, data: MDict, key: str) -> None:
        value = data.get(key)
        if value is None:
            return
        if not isinstance(value, MList):
            self.error(data.pos(key), f"'{key}' must be a list of '- item' lines")
            return
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.error(value.item_pos(i), f"each item of '{key}' must be text")


def _clock(value: Any) -> str | None:
    """'08:00' as written in quotes; None for anything else (480 is an unquoted 8:00)."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return None
    hours, minutes = value[:2], value[3:]
    if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()):
        return None
    return value if int(hours) < 24 and int(minutes) < 60 else None


def _check_hours(c: _Checker, data: MDict) -> None:
    hours = c.mapping(data, "hours")
    for day, span in (hours or {}).items():
        assert hours is not None
        if day not in DAYS:
            c.error(hours.key_pos(day), f"unknown day '{day}': use {', '.join(DAYS)}")
            continue
        if not isinstance(span, MList) or len(span) != 2:
            c.error(hours.pos(day), f"'{day}' must be [\"opens\", \"closes\"], e.g. "
                                    '["08:00", "18:00"]')
            continue
        times = []
        for i, value in enumerate(span):
            clock = _clock(value)
            if clock is None:
                hint = (f" (YAML read an unquoted {value // 60}:{value % 60:02d} as the "
                        f"number {value})" if isinstance(value, int) else "")
                c.error(span.item_pos(i), f"'{value}' is not a time: write it in quotes, "
                                          f"like \"08:00\"{hint}")
            times.append(clock)
        if all(times) and times[0] is not None and times[1] is not None \
                and times[0] >= times[1]:
            c.error(span.start, f"on '{day}' the desk must open before it closes")


def _check_days(c: _Checker, data: MDict) -> None:
    closures = data.get("closures")
    if closures is not None:
        if not isinstance(closures, MList):
            c.error(data.pos("closures"), "'closures' must be a list of dates like 2026-12-24")
        else:
            for i, day in enumerate(closures):
                if not isinstance(day, date):
                    c.error(closures.item_pos(i), f"'{day}' is not a date like 2026-12-24")
    public = c.mapping(data, "public_holidays")
    if public is None:
        return
    for key in public:
        if key not in ("country", "subdivision"):
            c.error(public.key_pos(key), f"unknown field '{key}' (use country, subdivision)")
    country, subdivision = public.get("country"), public.get("subdivision")
    supported = holidays.list_supported_countries()
    if country not in supported:
        c.error(public.pos("country"), f"unknown country '{country}': use a code such as "
                                       "GB, IE, US or DE")
    elif subdivision is not None and subdivision not in supported[country]:
        c.error(public.pos("subdivision"), f"unknown subdivision '{subdivision}' of {country} "
                                           f"(known: {', '.join(supported[country])})")


def _check_targets(c: _Checker, data: MDict) -> None:
    priorities = c.mapping(data, "priorities") or MDict()
    for name, spec in priorities.items():
        if name not in set(Priority):  # the database takes only these (kb/states.py)
            c.error(priorities.key_pos(name), f"unknown priority '{name}': use "
                                              f"{', '.join(Priority)}")
            continue
        if not isinstance(spec, MDict):
            c.error(priorities.pos(name), f"'{name}' must have name, respond_hours, ...")
            continue
        for key in ("respond_hours", "resolve_hours"):
            value = spec.get(key)
            if key not in spec:
                c.error(spec.start, f"'{name}' is missing '{key}'")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                c.error(spec.pos(key), f"'{key}' of {name} must be a number of hours above 0")
        c.text(spec, "name")
        c.text(spec, "meaning")
    matrix = c.mapping(data, "priority_matrix") or MDict()
    for impact, row in matrix.items():
        if impact not in IMPACTS:
            c.error(matrix.key_pos(impact), f"unknown impact '{impact}': use "
                                            f"{', '.join(IMPACTS)}")
            continue
        if not isinstance(row, MDict):
            c.error(matrix.pos(impact), f"'{impact}' must map each urgency to a priority")
            continue
        for urgency, priority in row.items():
            if urgency not in URGENCIES:
                c.error(row.key_pos(urgency), f"unknown urgency '{urgency}': use "
                                              f"{', '.join(URGENCIES)}")
            elif priority not in priorities:
                c.error(row.pos(urgency), f"unknown priority '{priority}' (known: "
                                          f"{', '.join(priorities)})")


def _check_groups(c: _Checker, data: MDict) -> None:
    groups = data.get("groups")
    if groups is None:
        return
    if not isinstance(groups, MList):
        c.error(data.pos("groups"), "'groups' must be a list of {name: ..., tier: ...}")
        return
    for i, group in enumerate(groups):
        if not isinstance(group, MDict) or not isinstance(group.get("name"), str):
            c.error(groups.item_pos(i), "each group needs a 'name' in text")
        elif group.get("tier", 1) not in (1, 2, 3):
            c.error(group.pos("tier"), "'tier' must be 1, 2 or 3")


def check_support(data: Any, path: Path) -> list[Problem]:
    """Every problem in an already composed support file (an MDict from ``to_marked``)."""
    c = _Checker(path)
    if not isinstance(data, MDict):
        c.error(Pos(1, 1), "support.yml must be a set of 'name: value' lines")
        return c.problems
    for key in data:
        if key not in KEYS:
            c.error(data.key_pos(key), f"unknown field '{key}'"
                    + (" (local closure days are now 'closures')" if key == "holidays" else ""))
    for key in REQUIRED:
        if key not in data:
            c.error(data.start, f"'{key}' is missing")
    c.text(data, "name")
    if "timezone" in data:
        try:
            ZoneInfo(str(data["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            c.error(data.pos("timezone"), f"unknown time zone '{data['timezone']}', e.g. "
                                          "Europe/London")
    _check_hours(c, data)
    _check_days(c, data)
    contact = c.mapping(data, "contact") or MDict()
    for key in contact:
        c.text(contact, key)
    _check_targets(c, data)
    c.text_list(data, "supported")
    c.text_list(data, "not_supported")
    _check_groups(c, data)
    return c.problems


def read_support(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The settings as plain values, or None with the problems that make them unusable."""
    c = _Checker(path)
    try:
        root = yamlsafe.compose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        c.error(Pos(1, 1), "the support file is missing")
        return None, c.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        c.error(Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1),
                f"the YAML cannot be read: {exc.problem or exc}")
        return None, c.problems
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        c.error(Pos(1, 1), f"the file cannot be read: {exc}")
        return None, c.problems
    data = to_marked(root, c.error) if root is not None else None
    problems = c.problems + check_support(data, path)
    if problems:
        return None, problems
    return _plain(data), []


def _plain(value: Any) -> Any:
    """MDict/MList back to dict/list: the rest of the site reads ordinary values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class SupportSettings:
    """support.yml as last read well. Reloaded when the file changes; a file with problems is
    logged and the last good settings stay: those of this process, else the copy kept in the
    instance folder from the last good start, else none."""

    def __init__(self, path: Path, keep: Path) -> None:
        self.path, self.keep = path, keep
        self.data: dict[str, Any] | None = None
        self.problems: list[Problem] = []
        self._seen: tuple[int, int] | None = None

    def _signature(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def get(self) -> dict[str, Any]:
        signature = self._signature()
        if self.data is None or signature != self._seen:
            self._seen = signature
            self.reload()
        return self.data or {}

    def reload(self) -> None:
        data, self.problems = read_support(self.path)
        if data is not None:
            self.data = data
            self._keep_copy()
            return
        for problem in self.problems:
            log.error("support settings: %s", problem)
        if self.data is None:
            kept, _ = read_support(self.keep)
            self.data = kept or {}
            log.error("support settings: %s has problems; using %s", self.path,
                      f"the last good copy {self.keep}" if kept else "no settings at all")
        else:
            log.error("support settings: %s has problems; the last good settings stay",
                      self.path)

    def _keep_copy(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
            if not self.keep.exists() or self.keep.read_text(encoding="utf-8") != text:
                tmp = self.keep.with_suffix(".tmp")
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, self.keep)
        except OSError:
            log.warning("could not keep a copy of the support settings in %s", self.keep)
