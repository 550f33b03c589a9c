"""Loading and validating wizard files: every problem kind, with its line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kb.config import ROOT
from kb.core.services import library
from kb.wizards import load_wizards

GOOD = """\
id: demo
title: Demo
summary: A small wizard.
category: printing
related: [5]
nodes:
  describe:
    type: open
    text: What happens?
    next: seen
  seen:
    type: choice
    text: What do you see?
    options:
      - label: A red light
        next: restart
      - label: I'm not sure
        next: handoff
  restart:
    type: step
    kind: workaround
    title: Turn it off and on
    text: Press the button.
    if_yes: done
    if_no: handoff
  done:
    type: resolved
    text: Fixed.
  handoff:
    type: handoff
    text: We will help.
"""


def load(app: Flask, tmp_path: Path, text: str, name: str = "demo") -> tuple[Any, list[Any]]:
    (tmp_path / f"{name}.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    with app.app_context():
        wizards, problems = load_wizards(tmp_path, library())
    return wizards.get(name), problems


def lines(problems: list[Any]) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in problems]


def only(problems: list[Any]) -> Any:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_good_wizard_loads_without_problems(app: Flask, tmp_path: Path) -> None:
    wizard, problems = load(app, tmp_path, GOOD)
    assert problems == []
    assert wizard.available
    assert wizard.start == "describe"
    assert [o.label for o in wizard.nodes["seen"].options] == ["A red light", "I'm not sure"]


def test_malformed_yaml_reports_its_mark(app: Flask, tmp_path: Path) -> None:
    wizard, problems = load(app, tmp_path, GOOD.replace("    text: What do you see?",
                                                       "    text: [What do you see?"))
    problem = only(problems)
    assert "YAML cannot be read" in problem.message
    # libyaml gives up at the next line; the message points back at the unclosed "[".
    assert (problem.line, problem.col) == (14, 12)
    assert "flow sequence that starts at line 13, column 11" in problem.message
    assert problem.path.endswith("demo.yml")
    assert not wizard.available


def test_unknown_node_reference(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("        next: restart", "        next: restrat")
    _, problems = load(app, tmp_path, text)
    messages = lines(problems)
    assert (16, "node 'seen' links to unknown node 'restrat'") in messages
    assert any(p.line == 16 and p.col == 15 for p in problems)


def test_unknown_and_internal_articles(app: Flask, tmp_path: Path) -> None:
    _, problems = load(app, tmp_path, GOOD.replace("related: [5]", "related: [5, 9999, 100]"))
    assert lines(problems) == [(5, "unknown article 9999"),
                               (5, "article 100 is internal: wizards may only show public "
                                   "articles")]
    assert [p.col for p in problems] == [14, 20]


def test_article_node_checks_its_article(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("      - label: I'm not sure\n        next: handoff",
                        "      - label: I'm not sure\n        next: art") + (
        "  art:\n    type: article\n    article: 101\n    if_yes: done\n    if_no: handoff\n")
    _, problems = load(app, tmp_path, text)
    problem = only(problems)
    assert (problem.line, problem.message) == (
        34, "article 101 is internal: wizards may only show public articles")


def test_unreachable_node(app: Flask, tmp_path: Path) -> None:
    text = GOOD + "  orphan:\n    type: resolved\n    text: Nobody gets here.\n"
    problem = only(load(app, tmp_path, text)[1])
    assert (problem.line, problem.message) == (
        32, "node 'orphan' is unreachable: nothing links to it")


def test_loop_with_no_way_out(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("        next: handoff\n  restart:", "        next: a\n  restart:") + (
        "  a:\n    type: step\n    kind: fix\n    title: A\n    text: Try A.\n"
        "    if_yes: b\n    if_no: b\n"
        "  b:\n    type: step\n    kind: fix\n    title: B\n    text: Try B.\n"
        "    if_yes: a\n    if_no: a\n")
    problems = load(app, tmp_path, text)[1]
    assert lines(problems) == [
        (32, "node 'a' is in a loop with no way out: no path from it reaches resolved, "
             "handoff or goto"),
        (39, "node 'b' is in a loop with no way out: no path from it reaches resolved, "
             "handoff or goto")]


def test_path_that_never_ends(app: Flask, tmp_path: Path) -> None:
    problem = only(load(app, tmp_path, GOOD.replace("    if_no: handoff\n", ""))[1])
    assert (problem.line, problem.message) == (
        20, "restart: missing 'if_no', so this path never ends")


def test_missing_text(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("    text: What do you see?\n", "").replace("title: Demo\n", "")
    problems = load(app, tmp_path, text)[1]
    assert lines(problems) == [(1, "missing text: 'title' is required"),
                               (11, "node 'seen': missing text: 'text' is required")]


def test_first_node_must_be_open(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("  describe:\n    type: open\n    text: What happens?\n    next: seen\n",
                        "")
    text = text.replace("nodes:\n", "nodes:\n", 1)
    problems = load(app, tmp_path, text)[1]
    assert (7, "the first node 'seen' must be an open question (type: open)") in lines(problems)


def test_choice_needs_not_sure(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("I'm not sure", "Something else")
    problem = only(load(app, tmp_path, text)[1])
    assert (problem.line, problem.message) == (
        14, "node 'seen': a choice must offer an \"I'm not sure\" option")


def test_id_must_match_file_name(app: Flask, tmp_path: Path) -> None:
    problem = only(load(app, tmp_path, GOOD.replace("id: demo", "id: other"))[1])
    assert (problem.line, problem.col, problem.message) == (
        1, 5, "id 'other' must be the file name 'demo'")


def test_goto_unknown_wizard_and_bad_values(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("        next: restart", "        next: elsewhere").replace(
        "    text: We will help.\n", "    text: We will help.\n    impact: galaxy\n") + (
        "  elsewhere:\n    type: goto\n    wizard: nowhere\n")
    problems = load(app, tmp_path, text)[1]
    assert lines(problems) == [
        (19, "node 'restart' is unreachable: nothing links to it"),
        (26, "node 'done' is unreachable: nothing links to it"),
        (32, "node 'handoff': impact must be one of me, team, everyone"),
        (35, "goto wizard 'nowhere': no such wizard")]


def test_every_problem_is_reported_at_once(app: Flask, tmp_path: Path) -> None:
    text = GOOD.replace("I'm not sure", "Other").replace("related: [5]", "related: [9999]")
    text = text.replace("        next: restart", "        next: nope")
    problems = load(app, tmp_path, text)[1]
    assert len(problems) >= 4
    assert str(problems[0]).startswith(f"{problems[0].path}:5:")


@pytest.mark.parametrize("name", ["printer", "wifi", "sign-in", "frozen-program",
                                  "slow-computer", "monitor", "email", "video-calls"])
def test_bundled_wizards_are_valid(app: Flask, name: str) -> None:
    with app.app_context():
        wizards, problems = load_wizards(ROOT / "wizards", library())
    assert problems == []
    wizard = wizards[name]
    types = [n.type for n in wizard.nodes.values()]
    kinds = [n.kind for n in wizard.nodes.values()]
    assert wizard.nodes[wizard.start].type == "open"
    assert "workaround" in kinds and "resolved" in types and "handoff" in types
