"""support.yml read and checked, with file:line:col for every problem. One unquoted 8:00 is
read by YAML as the number 480 (base 60) and used to make every ticket creation fail; here it
is reported, and the site keeps the last settings that were good. The file also holds the
organisation's facts (``facts:``, used as ``{{ facts.… }}`` here and in the content) and its
look (``brand:``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

from kb.core import brand, yamlsafe
from kb.core.content.facts import Facts, check_facts, unknown_message
from kb.core.content.problems import Problem
from kb.states import Priority
from kb.wizards.marked import MDict, MList, Pos, to_marked

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IMPACTS = ("everyone", "team", "me")
URGENCIES = ("high", "normal", "low")
KEYS = {"name", "description", "timezone", "hours", "public_holidays", "closures", "contact",
        "priorities", "priority_matrix", "supported", "not_supported", "groups", "facts",
        "brand"}
BRAND_KEYS = {"logo": brand.LOGO_TYPES, "favicon": brand.ICON_TYPES, "accent": None}
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


def _check_brand(c: _Checker, data: MDict) -> None:
    look = c.mapping(data, "brand")
    for key, value in (look or {}).items():
        assert look is not None
        if key not in BRAND_KEYS:
            c.error(look.key_pos(key), f"unknown field '{key}' (use {', '.join(BRAND_KEYS)})")
            continue
        kinds = BRAND_KEYS[key]
        problem = (brand.accent_problem(value) if kinds is None
                   else brand.name_problem(value, kinds))
        if problem:
            c.error(look.pos(key), problem)


def _strings(value: Any, pos: Pos, skip_facts: bool = True) -> Iterator[tuple[Pos, str]]:
    """Every text in the file outside ``facts:`` (and ``name:``, which is ``facts.name``),
    with where its value starts."""
    if isinstance(value, MDict):
        for key, item in value.items():
            if not (skip_facts and key in ("facts", "name")):
                yield from _strings(item, value.pos(key), skip_facts=False)
    elif isinstance(value, MList):
        for i, item in enumerate(value):
            yield from _strings(item, value.item_pos(i), skip_facts=False)
    elif isinstance(value, str):
        yield pos, value


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
    c.text(data, "description")
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
    _check_brand(c, data)
    if "facts" in data:
        check_facts(data["facts"], data.pos("facts"), c.error)
    facts = Facts.from_support(_plain(data))
    for pos, text in _strings(data, data.start):
        for _offset, name in facts.unknown(text):
            c.error(pos, unknown_message(name, facts))
    return c.problems


def _compose(path: Path, c: _Checker) -> Any:
    try:
        root = yamlsafe.compose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        c.error(Pos(1, 1), "the support file is missing")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        c.error(Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1),
                f"the YAML cannot be read: {exc.problem or exc}")
        return None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        c.error(Pos(1, 1), f"the file cannot be read: {exc}")
        return None
    return to_marked(root, c.error) if root is not None else None


def _read(path: Path, brand_dir: Path | None = None
          ) -> tuple[dict[str, Any] | None, list[Problem], list[Problem]]:
    """(settings or None, problems that make them unusable, problems that do not)."""
    c = _Checker(path)
    data = _compose(path, c)
    if c.problems:
        return None, c.problems, []
    problems = check_support(data, path)
    if problems:
        return None, problems, []
    plain = _plain(data)
    facts = Facts.from_support(plain)
    advice = _Checker(path)
    for pos, text in _strings(data, data.start):  # a fact typed out: it would not follow
        for _offset, name, typed in facts.written_out(text):
            advice.error(pos, f"'{typed}' is written out: write {{{{ {name} }}}} so it "
                              "follows the facts")
    look = plain.get("brand") or {}
    for key in ("logo", "favicon"):
        if brand_dir is not None and look.get(key):
            problem = brand.file_problem(brand_dir, look[key])
            if problem:
                advice.error(data["brand"].pos(key), problem)
    return _fill(plain, facts), [], advice.problems


def read_support(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The settings as plain values (facts filled in), or None with the problems that make
    them unusable."""
    data, problems, _advice = _read(path)
    return data, problems


def lint_support(path: Path, brand_dir: Path | None = None) -> list[Problem]:
    """Everything ``flask kb check`` reports about the file: the problems that make it
    unusable, then facts typed out by hand and brand files that are missing or unsafe."""
    _data, problems, advice = _read(path, brand_dir)
    return problems + advice


def _plain(value: Any) -> Any:
    """MDict/MList back to dict/list: the rest of the site reads ordinary values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _fill(value: Any, facts: Facts, key: Any = None) -> Any:
    """Every text outside ``facts:`` with its variables filled in."""
    if isinstance(value, dict):
        return {k: v if k == "facts" and key is None else _fill(v, facts, k)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, facts, key) for v in value]
    return facts.fill(value) if isinstance(value, str) else value


class SupportSettings:
    """support.yml as last read well. Reloaded when the file changes; a file with problems is
    logged and the last good settings stay: those of this process, else the copy kept in the
    instance folder from the last good start, else none."""

    def __init__(self, path: Path, keep: Path, brand_dir: Path | None = None) -> None:
        self.path, self.keep, self.brand_dir = path, keep, brand_dir
        self.data: dict[str, Any] | None = None
        self.problems: list[Problem] = []
        self._facts = Facts()
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

    @property
    def facts(self) -> Facts:
        """The facts of the settings in use (the file is looked at again first)."""
        self.get()
        return self._facts

    def reload(self) -> None:
        data, self.problems, advice = _read(self.path, self.brand_dir)
        for problem in advice:  # the settings are used; what should still be fixed is said
            log.warning("support settings: %s", problem)
        if data is not None:
            self.data = data
            self._facts = Facts.from_support(data)
            self._keep_copy()
            return
        for problem in self.problems:
            log.error("support settings: %s", problem)
        if self.data is None:
            kept, _ = read_support(self.keep)
            self.data = kept or {}
            self._facts = Facts.from_support(self.data)
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
