"""support.yml is checked with file:line:col for every problem; a bad file never stops ticket
creation: the last good settings stay, and the problems are logged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from kb.config import ROOT
from kb.tickets.supportfile import SupportSettings, read_support

GOOD = (ROOT / "support.yml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "support.yml"
    path.write_text(text, encoding="utf-8")
    return path


def line_col(text: str, needle: str) -> tuple[int, int]:
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def test_bundled_file_is_good() -> None:
    data, problems = read_support(ROOT / "support.yml")
    assert problems == [] and data is not None
    assert data["hours"]["mon"] == ["08:00", "18:00"]


@pytest.mark.parametrize(("old", "new", "at", "message"), [
    ('mon: ["08:00", "18:00"]', "mon: [8:00, 18:00]", "8:00, 18:00]",
     "YAML read an unquoted 8:00 as the number 480"),
    ('tue: ["08:00", "18:00"]', 'tuesday: ["08:00", "18:00"]', "tuesday",
     "unknown day 'tuesday'"),
    ('wed: ["08:00", "18:00"]', 'wed: ["18:00", "08:00"]', '["18:00"',
     "must open before it closes"),
    ("respond_hours: 1,", "respond_hours: one,", "one,", "must be a number of hours"),
    ("timezone: Europe/London", "timezone: Europe/Londres", "Europe/Londres",
     "unknown time zone"),
    ("country: GB", "country: XX", "XX", "unknown country 'XX'"),
    ("subdivision: ENG", "subdivision: YORKS", "YORKS", "unknown subdivision 'YORKS'"),
    ("closures: []", "closures: [2026-12-24, next friday]", "next friday", "is not a date"),
    ("everyone: {high: P1,", "everyone: {high: P9,", "P9", "unknown priority 'P9'"),
    # The database takes only P1..P4 (kb/states.py: Priority).
    ("  P4: {name: Low,", "  P5: {name: Low,", "P5: {", "unknown priority 'P5': use P1"),
    ('{name: "Network team", tier: 2}', '{name: "Network team", tier: two}', "two}",
     "'tier' must be 1, 2 or 3"),
])
def test_each_problem_points_at_its_line_and_column(tmp_path: Path, old: str, new: str,
                                                    at: str, message: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    data, problems = read_support(write(tmp_path, text))
    assert data is None
    line, col = line_col(text, at)
    assert [(p.line, p.col) for p in problems if message in p.message] == [(line, col)], [
        str(p) for p in problems]


def test_broken_yaml_and_old_field_names(tmp_path: Path) -> None:
    _data, problems = read_support(write(tmp_path, GOOD.replace("hours:", "hours: [", 1)))
    assert problems and "cannot be read" in problems[0].message
    _data, problems = read_support(write(tmp_path, GOOD + "holidays: [2026-12-25]\n"))
    assert any("now 'closures'" in p.message for p in problems)


def test_a_bad_file_keeps_the_last_good_settings(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, GOOD)
    keep = tmp_path / "instance-copy.yml"
    settings = SupportSettings(path, keep)
    assert settings.get()["hours"]["mon"] == ["08:00", "18:00"]
    assert keep.read_text(encoding="utf-8") == GOOD
    path.write_text(GOOD.replace('"08:00", "18:00"]', "8:30, 18:00]", 1) + "\n",
                    encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert settings.get()["hours"]["mon"] == ["08:00", "18:00"]
    assert any("support.yml:" in r.getMessage() and "'510' is not a time" in r.getMessage()
               for r in caplog.records)
    assert any("last good settings stay" in r.getMessage() for r in caplog.records)
    # A new process starting on the bad file uses the copy kept from the last good start.
    assert SupportSettings(path, keep).get()["hours"]["mon"] == ["08:00", "18:00"]
    # And the file, once fixed, is read again without a restart.
    path.write_text(GOOD.replace('mon: ["08:00", "18:00"]', 'mon: ["09:00", "17:00"]'),
                    encoding="utf-8")
    assert settings.get()["hours"]["mon"] == ["09:00", "17:00"]


def test_kb_check_reports_support_problems(app_factory: Any, tmp_path: Path) -> None:
    bad = write(tmp_path, GOOD.replace('fri: ["08:00", "18:00"]', "fri: [8:00, 18:00]"))
    # An index of its own: articles filled in without the facts must not replace the shared one.
    app = app_factory(SUPPORT_FILE=str(bad), INDEX_DIR=str(tmp_path / "index"))
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    assert result.exit_code == 1
    line, col = line_col(bad.read_text(), "8:00, 18:00]")
    assert f"support.yml:{line}:{col}: error: '480' is not a time" in result.output


def test_tickets_are_still_created_with_a_bad_file(app_factory: Any, tmp_path: Path) -> None:
    from tests.web.tickets_helpers import ticket_data

    bad = write(tmp_path, GOOD.replace('mon: ["08:00", "18:00"]', "mon: [8:00, 18:00]"))
    client = app_factory(SUPPORT_FILE=str(bad), INDEX_DIR=str(tmp_path / "index")).test_client()
    response = client.post("/ask", data=ticket_data(client))
    assert response.status_code == 302 and "/sent" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200
