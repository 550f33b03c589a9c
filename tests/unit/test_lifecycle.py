"""The ticket lifecycle: one table says which status may follow which, and every change goes
through it (an illegal one is refused, wherever it comes from)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from kb.extensions import db
from kb.models import Ticket
from kb.tickets.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    TicketStatus,
    allowed,
    can_move,
    merge,
    move,
)

S = TicketStatus


def test_the_table_knows_every_status_and_the_usual_path() -> None:
    assert set(TRANSITIONS) == set(S)
    path = [S.NEW, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED]
    assert all(allowed(a, b) for a, b in zip(path, path[1:], strict=False))
    assert allowed(S.RESOLVED, S.IN_PROGRESS) and allowed(S.CLOSED, S.IN_PROGRESS)  # reopen


@pytest.mark.parametrize(("current", "target"), [
    (S.CLOSED, S.WAITING), (S.CLOSED, S.RESOLVED), (S.RESOLVED, S.WAITING), (S.NEW, S.NEW),
    (S.IN_PROGRESS, "nonsense")])
def test_an_illegal_transition_is_refused(current: str, target: str) -> None:
    ticket = Ticket(status=str(current), summary="s", name="n", email="e@example.org")
    with pytest.raises(IllegalTransition):
        move(ticket, target, kind="status", body="", author="x")
    assert ticket.status == current


def test_moving_keeps_timestamps_and_writes_the_timeline(app: Flask) -> None:
    with app.app_context():
        ticket = Ticket(status="in progress", summary="s", name="n", email="e@example.org")
        event = move(ticket, S.RESOLVED, kind="resolved", body="Fixed.", author="Ana")
        assert ticket.status == "resolved" and ticket.resolved_at is not None
        assert ticket.first_response_at is not None and event.kind == "resolved"
        move(ticket, S.IN_PROGRESS, kind="reopened", body="", author="Sam")
        assert ticket.resolved_at is None and ticket.closed_at is None
        assert [e.kind for e in ticket.events] == ["resolved", "reopened"]
        db.session.rollback()


def test_merging_closes_through_the_table_and_for_good(app: Flask) -> None:
    with app.app_context():
        keep = Ticket(status="in progress", summary="s", name="n", email="e@example.org")
        dup = Ticket(status="waiting on user", summary="s", name="n", email="e@example.org")
        done = Ticket(status="closed", summary="s", name="n", email="e@example.org")
        db.session.add_all([keep, dup, done])
        db.session.flush()
        with pytest.raises(IllegalTransition):  # closed -> closed is not in the table
            merge(done, keep, body="", author="Ana")
        assert done.merged_into_id is None
        with pytest.raises(IllegalTransition):
            merge(dup, dup, body="", author="Ana")
        event = merge(dup, keep, body="Joined.", author="Ana")
        assert event.kind == "merged" and dup.status == "closed" and dup.merged_into_id == keep.id
        for target in S:  # the table allows closed -> in progress, but not for a merged ticket
            assert not can_move(dup, target)
            with pytest.raises(IllegalTransition):
                move(dup, target, kind="reopened", body="", author="Sam")
        assert dup.status == "closed"
        with pytest.raises(IllegalTransition):  # nothing merges into a merged ticket
            merge(keep, dup, body="", author="Ana")
        db.session.rollback()


def test_no_module_assigns_a_status_outside_the_lifecycle() -> None:
    kb = Path(__file__).resolve().parents[2] / "kb"
    offenders = []
    for path in kb.rglob("*.py"):
        if path.name == "lifecycle.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Attribute) and t.attr in ("status", "merged_into_id") \
                            and isinstance(t.value, ast.Name) and t.value.id in (
                                "ticket", "item", "t", "duplicate", "target"):
                        offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
