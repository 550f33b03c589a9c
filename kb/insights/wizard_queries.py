"""Wizard funnels counted by the database: per wizard and per node, how many runs reached
it, answered it, left there, said "that worked" there, and later handed off to a ticket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kb.extensions import db
from kb.insights.period import Period
from kb.models import WizardEvent, utcnow

GENERAL = "_general"  # kb.wizards.runs.GENERAL: the general question's rows
WORKED = "Yes, that worked"  # kb.wizards.engine.YES_NO["yes"], as answer events store it
TERMINAL = ("resolved", "handoff", "goto")
IDLE = timedelta(minutes=30)  # a run untouched this long, not finished, was left
TOP = 20


def events_in(period: Period) -> list[ColumnElement[bool]]:
    return [WizardEvent.created_at >= period.start, WizardEvent.created_at < period.end,
            WizardEvent.wizard_id != GENERAL]


def _runs_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(func.distinct(case((condition, WizardEvent.run_id))))


def _max_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.max(case((condition, 1), else_=0))


def _sum(column: Any) -> ColumnElement[int]:
    return cast(func.sum(column), Integer)  # PostgreSQL sums as bigint: keep it an int


def handed_runs(period: Period) -> Any:
    return select(WizardEvent.run_id).where(*events_in(period), WizardEvent.kind == "handoff")


def per_wizard(period: Period) -> list[Any]:
    """wizard_id, runs, resolved, handed off, moved to another wizard, file versions seen,
    people (browsers) who used it, of those with no ticket in the next 24 hours. The events
    are first folded into one row per run (cheap to count), then counted."""
    kind = WizardEvent.kind
    runs = (select(WizardEvent.wizard_id.label("wizard_id"), WizardEvent.run_id.label("run"),
                   WizardEvent.version.label("version"), WizardEvent.session_key.label("who"),
                   _max_if(kind == "resolved").label("resolved"),
                   _max_if(kind == "handoff").label("handoff"),
                   _max_if(kind == "goto").label("goto"),
                   _max_if(and_(kind == "visit", WizardEvent.ticket_after_s.is_(None)))
                   .label("calm"))
            .where(*events_in(period))
            .group_by(WizardEvent.wizard_id, WizardEvent.run_id, WizardEvent.version,
                      WizardEvent.session_key).subquery("runs"))
    r = runs.c
    return list(db.session.execute(
        select(r.wizard_id, func.count(func.distinct(r.run)), _sum(r.resolved),
               _sum(r.handoff), _sum(r.goto), func.count(func.distinct(r.version)),
               func.count(func.distinct(r.who)),
               func.count(func.distinct(case((r.calm == 1, r.who)))))
        .group_by(r.wizard_id).order_by(r.wizard_id)).all())


def per_node(period: Period) -> dict[tuple[str, str], dict[str, int]]:
    """(wizard, node) → reached, answered, worked, resolved, handed off, left. Counted in
    runs: the events are first folded to one row per run, node and kind."""
    steps = (select(WizardEvent.wizard_id.label("wizard_id"),
                    WizardEvent.node_id.label("node_id"), WizardEvent.run_id.label("run"),
                    WizardEvent.kind.label("kind"),
                    _max_if(WizardEvent.value == WORKED).label("worked"))
             .where(*events_in(period))
             .group_by(WizardEvent.wizard_id, WizardEvent.node_id, WizardEvent.run_id,
                       WizardEvent.kind).subquery("steps"))
    handed = handed_runs(period).distinct().subquery("handed")
    c = steps.c
    out: dict[tuple[str, str], dict[str, int]] = {}
    for wid, nid, reached, answered, worked, resolved, handoff in db.session.execute(
            select(c.wizard_id, c.node_id, _count(c.kind == "visit"),
                   _count(c.kind == "answer"),
                   _count(and_(c.kind == "answer", c.worked == 1)),
                   _count(c.kind == "resolved"),
                   _count(and_(c.kind == "visit", handed.c.run_id.is_not(None))))
            .select_from(steps).outerjoin(handed, handed.c.run_id == c.run)
            .group_by(c.wizard_id, c.node_id)):
        out[(wid, nid)] = {"reached": reached, "answered": answered, "worked": worked,
                           "resolved": resolved, "handed": handoff, "left": 0}
    for (wid, nid), n in left_at(period).items():
        out.setdefault((wid, nid), {"reached": 0, "answered": 0, "worked": 0, "resolved": 0,
                                    "handed": 0, "left": 0})["left"] = n
    return out


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return _sum(case((condition, 1), else_=0))


def left_at(period: Period) -> dict[tuple[str, str], int]:
    """Runs whose last step in the period was at this node, unfinished, and untouched for
    IDLE since (people still part-way through are not counted as gone)."""
    last = (select(func.max(WizardEvent.id).label("id")).where(*events_in(period))
            .group_by(WizardEvent.run_id).subquery())
    rows = db.session.execute(
        select(WizardEvent.wizard_id, WizardEvent.node_id, func.count())
        .join(last, last.c.id == WizardEvent.id)
        # The period again outside: the rows are read by date, not the whole table by id.
        .where(*events_in(period), WizardEvent.kind.not_in(TERMINAL),
               WizardEvent.created_at < utcnow() - IDLE)
        .group_by(WizardEvent.wizard_id, WizardEvent.node_id)).all()
    return {(w, n): c for w, n, c in rows}


def handoff_answers(period: Period, open_nodes: dict[str, list[str]]) -> list[Any]:
    """The answers most often given on the way to a hand-off (choices and "did that work",
    not the free text of open questions): wizard, node, answer, runs handed off, runs."""
    handed = WizardEvent.run_id.in_(handed_runs(period))
    skip = [and_(WizardEvent.wizard_id == w, WizardEvent.node_id.in_(nodes))
            for w, nodes in open_nodes.items() if nodes]
    handed_n = _runs_if(handed)
    return list(db.session.execute(
        select(WizardEvent.wizard_id, WizardEvent.node_id, WizardEvent.value, handed_n,
               func.count(func.distinct(WizardEvent.run_id)))
        .where(*events_in(period), WizardEvent.kind == "answer",
               *([not_(or_(*skip))] if skip else []))
        .group_by(WizardEvent.wizard_id, WizardEvent.node_id, WizardEvent.value)
        .having(handed_n > 0)
        .order_by(handed_n.desc(), WizardEvent.wizard_id, WizardEvent.node_id)
        .limit(TOP)).all())


def unmatched_texts(period: Period) -> list[Any]:
    """What people typed in the general question that no wizard took, grouped."""
    text = func.lower(func.trim(WizardEvent.value))
    return list(db.session.execute(
        select(text, func.count(), func.max(WizardEvent.created_at))
        .where(WizardEvent.created_at >= period.start, WizardEvent.created_at < period.end,
               WizardEvent.wizard_id == GENERAL, WizardEvent.kind == "unmatched")
        .group_by(text).order_by(func.count().desc(), text).limit(TOP)).all())
