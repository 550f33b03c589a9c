"""Web tests generated from the wizard graphs: every bundled wizard, walked from its open
question to its ends with the Flask test client and real CSRF tokens, along paths that between
them take every way out of every question and reach every end (124 paths of the 439 there are,
a fifth of the requests). ``KB_TEST_ALL_PATHS=1`` walks every path."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import select

from kb.config import ROOT
from kb.extensions import db
from kb.models import WizardEvent, WizardRun
from kb.wizards import handoff_payload, load_wizards
from kb.wizards.engine import route_open
from kb.wizards.model import Node, Wizard

WIZARDS, _PROBLEMS = load_wizards(ROOT / "wizards")
NEUTRAL = "It does not do what it should, since this morning."


@dataclass
class Path:
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # node, value, next

    def label(self) -> str:
        return " > ".join(f"{n}={v[:12]}" for n, v, _ in self.steps)


def edges(node: Node) -> Iterator[tuple[str, str]]:
    """(form value, next node) for every way out of a node."""
    if node.type == "open":
        for route in node.routes:
            for word in route.words:
                if route_open(node, word) == route.next:
                    yield word, route.next
                    break
        assert route_open(node, NEUTRAL) == node.next
        yield NEUTRAL, node.next
    elif node.type == "choice":
        for i, option in enumerate(node.options):
            yield str(i), option.next
    elif node.type in ("step", "article"):
        yield "yes", node.yes
        yield "no", node.no


def all_paths(wizard: Wizard) -> list[Path]:
    out: list[Path] = []

    def walk(node_id: str, path: Path) -> None:
        node = wizard.nodes[node_id]
        if node.type in ("resolved", "handoff", "goto"):
            out.append(path)
            return
        for value, target in edges(node):
            if target in [s[0] for s in path.steps] or target == node_id:
                continue  # a loop back: the path is covered without it
            walk(target, Path([*path.steps, (node_id, value, target)]))

    walk(wizard.start, Path())
    return out


def ways(path: Path) -> set[tuple[str, str]]:
    """The answers a path gives (node, value), and the end it reaches."""
    return {(node, value) for node, value, _ in path.steps} | {("end", path.steps[-1][2])}


def covering_paths(paths: list[Path]) -> list[Path]:
    """A few paths that between them give every answer and reach every end: greedily the one
    adding the most not yet taken (shorter first on a tie). The state a path carries (the
    transcript, the run) is checked on each, so only repeats of the same answers are left out."""
    if os.environ.get("KB_TEST_ALL_PATHS"):
        return paths
    need = set().union(*(ways(p) for p in paths))
    chosen: list[Path] = []
    while need:
        best = max(paths, key=lambda p: (len(ways(p) & need), -len(p.steps)))
        chosen.append(best)
        need -= ways(best)
    return chosen


def page_token(html: str) -> str:
    """The CSRF token of the page's main form, as the browser would send it back."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def walk_path(app: Flask, wizard: Wizard, path: Path) -> None:
    client = app.test_client()
    assert client.get(f"/wizards/{wizard.id}").status_code == 200
    with client:
        for number, (node_id, value, target) in enumerate(path.steps):
            url = f"/wizards/{wizard.id}" if number == 0 else f"/wizards/{wizard.id}/{node_id}"
            page = client.get(url)
            assert page.status_code == 200, path.label()
            text = page.get_data(as_text=True)
            assert f"Question {number + 1}" in text
            token = page_token(text)
            response = client.post(f"/wizards/{wizard.id}/{node_id}",
                                   data={"csrf_token": token, "answer": value})
            assert response.status_code == 302, path.label()
            end = wizard.nodes[target]
            if end.type == "goto":
                assert re.match(rf"/wizards/{end.wizard}/[\w-]+$", response.location)
                nxt = client.get(response.location)
                assert nxt.status_code == 200
                return
            assert response.location == f"/wizards/{wizard.id}/{target}", path.label()
        last = wizard.nodes[path.steps[-1][2]]
        html = client.get(response.location).get_data(as_text=True)
        key = db.session.scalar(select(WizardRun.key).order_by(WizardRun.id.desc()))
        run = db.session.scalar(select(WizardRun).where(WizardRun.key == key))
        assert run is not None
        if last.type == "resolved":
            assert "Anything else?" in html
            assert run.outcome == "resolved"
        else:
            assert "Here's what we understood" in html
            assert NEUTRAL in html or path.steps[0][1] in html
            done = client.post(response.location, data={"csrf_token": page_token(html)})
            assert done.location == f"/ask?run={run.key}"
            payload = handoff_payload(run.key)
            assert payload is not None
            assert len(payload["transcript"]) == len(path.steps)
            assert payload["transcript"][0]["kind"] == "open"
            assert payload["category"] == (last.category or wizard.category)
        kinds = db.session.scalars(select(WizardEvent.kind).where(
            WizardEvent.run_id == run.id)).all()
        assert kinds.count("answer") == len(path.steps)
        assert ("resolved" if last.type == "resolved" else "handoff") in kinds


@pytest.mark.parametrize("wizard_id", sorted(WIZARDS))
def test_every_path_of_every_wizard(app: Flask, wizard_id: str) -> None:
    wizard = WIZARDS[wizard_id]
    assert wizard.available, _PROBLEMS
    paths = all_paths(wizard)
    ends = {wizard.nodes[p.steps[-1][2]].type for p in paths}
    assert {"resolved", "handoff"} <= ends
    chosen = covering_paths(paths)
    assert set().union(*(ways(p) for p in chosen)) == set().union(*(ways(p) for p in paths))
    for path in chosen:
        with app.app_context():
            walk_path(app, wizard, path)


def test_there_are_eight_bundled_wizards() -> None:
    assert {"printer", "wifi", "sign-in", "frozen-program", "slow-computer", "monitor",
            "email", "video-calls"} <= set(WIZARDS)
