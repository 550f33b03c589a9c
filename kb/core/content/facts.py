"""The organisation's facts (support.yml's ``facts:``) as variables: ``{{ facts.phone }}`` in
articles, wizards and the rest of support.yml. A plain regex substitution, never a template
language, so content can run no code: a value goes in as text, and Markdown and nh3 then
treat it like any other words. The same values let ``flask kb check`` find a fact that was
typed out by hand instead of written as its variable."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kb.core.content.problems import Problem

# Anything between {{ and }} on one line is a variable: a typo is reported, never shown raw
# without a warning.
VARIABLE = re.compile(r"\{\{\s*([^{}\n]*?)\s*\}\}")
NAME = re.compile(r"[a-z][a-z0-9_]*")
NAMESPACE = "facts"
# Set from other parts of support.yml, so they cannot be facts of their own.
DERIVED = ("name", "hours")
DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
             "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}


class Facts:
    """Variable name ("facts.vpn.name") → its text, with what the lint needs to find a value
    written out by hand."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values = dict(values or {})
        self.digest = hashlib.sha256(repr(sorted(self.values.items())).encode()).hexdigest()
        self._literals = [(name, pattern) for name, value in sorted(self.values.items())
                          if (pattern := literal_pattern(value)) is not None]

    @classmethod
    def from_support(cls, data: Mapping[str, Any] | None) -> Facts:
        """The facts of checked, plain support settings, plus the derived ``facts.name`` and
        ``facts.hours``."""
        data = data or {}
        values = flatten(data.get("facts") or {})
        if isinstance(data.get("name"), str):
            values[f"{NAMESPACE}.name"] = data["name"]
        hours = hours_text(data.get("hours") or {})
        if hours:
            values[f"{NAMESPACE}.hours"] = hours
        return cls(values)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def fill(self, text: str) -> str:
        """Every known variable replaced by its value; unknown ones are left as written."""
        if "{{" not in text:
            return text
        return VARIABLE.sub(lambda m: self.values.get(m.group(1), m.group(0)), text)

    def used(self, text: str) -> str:
        """A digest of the values ``text`` uses: what a cache key needs to change when a
        fact it shows changes (and only then)."""
        names = sorted({m.group(1) for m in VARIABLE.finditer(text)})
        return hashlib.sha256(repr([(n, self.values.get(n)) for n in names]).encode()
                              ).hexdigest()[:16]

    def unknown(self, text: str) -> Iterator[tuple[int, str]]:
        """(offset, name) of each variable that is not a known fact."""
        for m in VARIABLE.finditer(text):
            if m.group(1) not in self.values:
                yield m.start(), m.group(1)

    def written_out(self, text: str) -> Iterator[tuple[int, str, str]]:
        """(offset, variable, text found) for each fact typed out instead of its variable."""
        for name, pattern in self._literals:
            for m in pattern.finditer(text):
                yield m.start(), name, m.group(0)

    def problems(self, path: Path | str, text: str, *, skip: range | None = None,
                 first_line: int = 1) -> list[Problem]:
        """Unknown variables and hand-written facts in a file's text, with line and column
        (``skip``: line numbers not to look at, such as the facts themselves)."""
        found: list[Problem] = []
        for number, line in enumerate(text.splitlines(), start=first_line):
            if skip is not None and number in skip:
                continue
            for offset, name in self.unknown(line):
                found.append(Problem.at(path, number, unknown_message(name, self), offset + 1))
            for offset, name, typed in self.written_out(line):
                found.append(Problem.at(path, number, f"'{typed}' is written out: write "
                                        f"{{{{ {name} }}}} so it follows support.yml",
                                        offset + 1))
        return found


def unknown_message(name: str, facts: Facts) -> str:
    close = difflib.get_close_matches(name, list(facts.values), n=1, cutoff=0.8)
    hint = f" (did you mean {{{{ {close[0]} }}}}?)" if close else \
        " (the facts are listed under 'facts:' in support.yml)"
    return f"unknown variable {{{{ {name} }}}}{hint}"


def flatten(facts: Mapping[str, Any], prefix: str = NAMESPACE) -> dict[str, str]:
    """{"vpn": {"name": "X"}} → {"facts.vpn.name": "X"}; numbers become text."""
    out: dict[str, str] = {}
    for key, value in facts.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name))
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            out[name] = str(value)
    return out


def check_facts(facts: Any, pos: Any, error: Any) -> None:
    """Problems in support.yml's ``facts:`` mapping (an MDict from ``to_marked``), reported
    through ``error(pos, message)``: names in lower case, one line of plain text each."""
    if not isinstance(facts, dict):
        error(pos, "'facts' must be a set of 'name: value' lines")
        return
    _check_level(facts, error, top=True)


def _check_level(facts: Any, error: Any, top: bool) -> None:
    for key, value in facts.items():
        where = facts.key_pos(key)
        if not isinstance(key, str) or not NAME.fullmatch(key):
            error(where, f"fact name '{key}' must be lower-case letters, digits and _")
            continue
        if top and key in DERIVED:
            error(where, f"'facts.{key}' comes from '{key}:' in this file; remove it here")
            continue
        if isinstance(value, dict):
            _check_level(value, error, top=False)
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float) \
                or (isinstance(value, str) and not value.strip()):
            error(facts.pos(key), f"fact '{key}' must be one line of text or a number")
        elif isinstance(value, str) and ("\n" in value.strip() or "{{" in value
                                         or "<" in value or ">" in value):
            error(facts.pos(key), f"fact '{key}' must be one line of plain text (no line "
                                  "breaks, {{ }} or < >)")


def literal_pattern(value: str) -> re.Pattern[str] | None:
    """How a fact looks when typed out, or None when it is too plain to tell apart from other
    words (a number like 15, a single ordinary word like Staff)."""
    text = value.strip()
    if len(text) < 4:
        return None
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit():  # a phone number or extension, however it is spaced
        if len(digits) < 4:
            return None
        return re.compile(r"(?<![\d])" + r"[\s-]?".join(digits) + r"(?![\d])")
    distinctive = (" " in text or "@" in text or re.search(r"\w\.\w", text)
                   or re.search(r"\d{3}", text) or re.search(r"[a-z][A-Z]", text))
    if not distinctive:
        return None
    body = r"\s+".join(re.escape(part) for part in text.split())
    return re.compile(r"(?<![\w@.-])" + body + r"(?![\w@-]|\.\w)", re.I)


def hours_text(hours: Mapping[str, Any]) -> str:
    """"Monday to Friday, 8:00 to 18:00" from support.yml's ``hours:`` (days with the same
    times written together)."""
    spans: list[tuple[list[str], tuple[str, str]]] = []
    for day in DAY_NAMES:
        span = hours.get(day)
        if not (isinstance(span, list | tuple) and len(span) == 2):
            continue
        times = (_clock(span[0]), _clock(span[1]))
        if spans and spans[-1][1] == times and _next_day(spans[-1][0][-1]) == day:
            spans[-1][0].append(day)
        else:
            spans.append(([day], times))
    parts = []
    for days, (opens, closes) in spans:
        named = DAY_NAMES[days[0]] if len(days) == 1 else (
            f"{DAY_NAMES[days[0]]} and {DAY_NAMES[days[1]]}" if len(days) == 2
            else f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}")
        parts.append(f"{named}, {opens} to {closes}")
    return "; ".join(parts)


def _clock(value: Any) -> str:
    text = str(value)
    return text[1:] if len(text) == 5 and text.startswith("0") else text


def _next_day(day: str) -> str:
    names = list(DAY_NAMES)
    return names[(names.index(day) + 1) % len(names)]
