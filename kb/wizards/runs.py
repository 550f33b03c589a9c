"""Server-side state of wizard runs: who owns which run, answers, events and the hand-off.

A run's ``state`` (JSON) holds:
``title`` – the wizard's title when the run started;
``path`` – node ids from the first node to the current one (the last item);
``answers`` – node id → {"question", "answer", "value", "kind", "says", "step", "sets"};
``category`` – the wizard's category;
``handoff`` – what the hand-off node suggested (category, impact, urgency).
Everything needed for the ticket is stored in the run, so a hand-off still works when the
wizard file changes or breaks later.
"""

from __future__ import annotations

from typing import Any

from flask import session
from sqlalchemy import select

from kb.core.privacy import redact
from kb.core.visitor import session_key
from kb.extensions import db
from kb.models import WizardEvent, WizardRun
from kb.states import WizardEventKind, WizardOutcome

SESSION_KEYS = "wizard_keys"  # every run key this browser owns (newest last)
SESSION_GENERAL = "wizard_general"  # key of the row holding the last general-question text
GENERAL = "_general"  # wizard_id of those rows: what people typed that no wizard took
SESSION_CURRENT = "wizard_current"  # wizard id → key of the run in progress
MAX_KEYS = 50
SUMMARY_LIMIT = 200
IMPACTS = ("me", "team", "everyone")
URGENCIES = ("low", "normal", "high")


def owned_keys() -> list[str]:
    keys = session.get(SESSION_KEYS, [])
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


def owned_run(key: str | None) -> WizardRun | None:
    """The run with this key, only if this browser session started it."""
    if not key or key not in owned_keys():
        return None
    return db.session.scalar(select(WizardRun).where(WizardRun.key == key))


def session_run(wizard_id: str) -> WizardRun | None:
    """The latest run of this wizard in this browser session, finished or not."""
    current = session.get(SESSION_CURRENT, {})
    key = current.get(wizard_id) if isinstance(current, dict) else None
    return owned_run(key)


def current_run(wizard_id: str) -> WizardRun | None:
    """The unfinished run of this wizard in this browser session, if any."""
    run = session_run(wizard_id)
    return run if run is not None and run.outcome is None else None


def start_run(wizard_id: str, title: str, first_node: str) -> WizardRun:
    """A new run; any unfinished run in this session is recorded as abandoned first."""
    abandon_current()
    run = WizardRun(wizard_id=wizard_id, state={"title": title, "path": [first_node],
                                                 "answers": {}})
    db.session.add(run)
    db.session.flush()
    keys = [*owned_keys(), run.key][-MAX_KEYS:]
    session[SESSION_KEYS] = keys
    session[SESSION_CURRENT] = {wizard_id: run.key}
    record(run, first_node, "visit")
    return run


def abandon_current() -> None:
    """Mark every unfinished run of this session as abandoned (Start again, another wizard)."""
    current = session.get(SESSION_CURRENT, {})
    if not isinstance(current, dict):
        current = {}
    for key in current.values():
        run = owned_run(key)
        if run is not None and run.outcome is None:
            run.outcome = WizardOutcome.ABANDONED
            path = run.state.get("path") or ["?"]
            record(run, str(path[-1]), "abandon")
    session[SESSION_CURRENT] = {}


def record(run: WizardRun, node_id: str, kind: WizardEventKind | str,
           value: str | None = None) -> None:
    """One funnel event: visit, answer, abandon, resolved, handoff, goto or unmatched, with
    the wizard file's version and this browser's anonymous key (kb.core.searchlog)."""
    from kb.wizards.registry import get_wizard  # the registry loads wizards through engine

    wizard = get_wizard(run.wizard_id)
    db.session.add(WizardEvent(run_id=run.id, wizard_id=run.wizard_id, node_id=node_id,
                               kind=WizardEventKind(kind), value=value, session_key=session_key(),
                               version=wizard.version if wizard is not None else None))


def update_state(run: WizardRun, **changes: Any) -> dict[str, Any]:
    """Replace the JSON state (a new dict, so SQLAlchemy notices the change)."""
    state = dict(run.state or {})
    state.update(changes)
    run.state = state
    return state


def transcript(state: dict[str, Any]) -> list[dict[str, str]]:
    """Questions and answers along the current path, in the order they were asked."""
    answers = state.get("answers") or {}
    out = []
    for node_id in state.get("path") or []:
        item = answers.get(node_id)
        if item:
            out.append({"question": item["question"], "answer": item["answer"],
                        "kind": item["kind"]})
    return out


def tried_steps(state: dict[str, Any]) -> list[str]:
    answers = state.get("answers") or {}
    return [answers[n]["step"] for n in state.get("path") or []
            if n in answers and answers[n].get("step")]


def failed_articles(state: dict[str, Any]) -> list[int]:
    """Articles the user followed in the wizard and said did not fix it (never suggest them
    again on the ticket form)."""
    answers = state.get("answers") or {}
    return [int(answers[n]["article"]) for n in state.get("path") or []
            if n in answers and answers[n].get("article") and answers[n].get("value") == "no"]


def open_answer(state: dict[str, Any]) -> str:
    answers = state.get("answers") or {}
    for node_id in state.get("path") or []:
        item = answers.get(node_id)
        if item and item.get("kind") == "open":
            return str(item.get("value") or "")
    return ""


def handoff_payload(run_key: str) -> dict[str, Any] | None:
    """What the ticket form needs from a run, or None unless this browser owns the run."""
    run = owned_run(run_key)
    if run is None:
        return None
    state = run.state or {}
    sets: dict[str, Any] = {}
    for node_id in state.get("path") or []:
        sets.update((state.get("answers") or {}).get(node_id, {}).get("sets") or {})
    suggested = state.get("handoff") or {}
    impact = sets.get("impact") or suggested.get("impact")
    urgency = sets.get("urgency") or suggested.get("urgency")
    summary = " ".join(open_answer(state).split())
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[: SUMMARY_LIMIT - 1].rstrip() + "…"
    return {
        "wizard_id": run.wizard_id,
        "wizard_title": str(state.get("title") or run.wizard_id),
        "summary": summary,
        "transcript": transcript(state),
        "tried": tried_steps(state),
        "failed_articles": failed_articles(state),
        "category": str(sets.get("category") or suggested.get("category")
                        or state.get("category") or "other"),
        "impact": impact if impact in IMPACTS else None,
        "urgency": urgency if urgency in URGENCIES else None,
    }


def remember_text(text: str, unmatched: bool = False) -> None:
    """Keep what was typed in the general question on the server (redacted), the browser
    holding only a key: no free text in the session cookie. ``unmatched``: no wizard took
    it (not the security page), recorded as an event for the insights."""
    kept = redact(text).text[:2000]
    run = WizardRun(wizard_id=GENERAL, state={"text": kept}, outcome=WizardOutcome.UNMATCHED)
    db.session.add(run)
    db.session.flush()
    session[SESSION_GENERAL] = run.key
    if unmatched:
        record(run, "start", "unmatched", kept)


def remembered_text() -> str:
    key = session.get(SESSION_GENERAL)
    if not isinstance(key, str):
        return ""
    run = db.session.scalar(select(WizardRun).where(WizardRun.key == key,
                                                    WizardRun.wizard_id == GENERAL))
    return str((run.state or {}).get("text") or "") if run else ""


def forget_text() -> None:
    session.pop(SESSION_GENERAL, None)
