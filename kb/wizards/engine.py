"""Moving a run through its wizard: record an answer, pick the next node, keep the path.

Answering a node cuts the path after it (the old branch no longer applies). A Change from
"Here's what we understood" keeps the rest of the path when the new answer leads the same
way, so the user goes straight back to the summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.core.inputs import parse_number
from kb.core.privacy import redact
from kb.core.services import library
from kb.models import WizardRun
from kb.states import WizardOutcome
from kb.wizards.model import Node, Wizard
from kb.wizards.registry import matches
from kb.wizards.runs import open_answer, record, start_run, update_state

YES_NO = {"yes": "Yes, that worked", "no": "No, it did not work"}


@dataclass
class Outcome:
    """Where to send the browser after an answer."""

    wizard_id: str
    node_id: str
    back_to_summary: bool = False


def route_open(node: Node, text: str) -> str:
    """The first route whose words appear in the answer, else the node's ``next``."""
    for route in node.routes:
        if any(matches(word, text) for word in route.words):
            return route.next
    return node.next


def describe(node: Node, value: str) -> dict[str, Any] | None:
    """The stored answer for ``value``, or None when the value is not a valid answer."""
    if node.type == "open":
        text = redact(value.strip()).text  # a password typed here is never kept
        return {"question": node.text, "answer": text, "value": text, "kind": "open",
                "says": text, "next": route_open(node, text)} if text else None
    if node.type == "choice":
        number = parse_number(value, 0, len(node.options) - 1)
        index = -1 if number is None else number
        if not 0 <= index < len(node.options):
            return None
        option = node.options[index]
        return {"question": node.text, "answer": option.label, "value": str(index),
                "kind": "choice", "says": option.says or option.label, "sets": option.sets,
                "next": option.next}
    if node.type in ("step", "article") and value in YES_NO:
        if node.type == "step":
            title = node.title
            question = f"{node.title}. Did that work?"
        else:
            article = library().get(node.article or 0)
            title = f"Followed {article.kb_id}: {article.title}" if article else "An article"
            question = f"{title}. Did that fix it?"
        said = "It worked." if value == "yes" else "It did not work."
        return {"question": question, "answer": YES_NO[value], "value": value, "kind": "step",
                "says": f"You tried: {title}. {said}", "step": title,
                "article": node.article if node.type == "article" else None,
                "next": node.yes if value == "yes" else node.no}
    return None


def answer(run: WizardRun, wizard: Wizard, node: Node, item: dict[str, Any],
           change: bool = False) -> Outcome:
    """Store ``item`` (from :func:`describe`) for ``node`` and move the run on."""
    state = run.state or {}
    path = list(state.get("path") or [wizard.start])
    index = path.index(node.id) if node.id in path else len(path) - 1
    answers = dict(state.get("answers") or {})
    answers[node.id] = item
    target = item["next"]
    record(run, node.id, "answer", item["answer"][:2000])
    if change and index + 1 < len(path) and path[index + 1] == target:
        update_state(run, answers=answers)
        return Outcome(wizard.id, path[-1], back_to_summary=True)
    path = [*path[: index + 1], target]
    update_state(run, path=path, answers=answers)
    return arrive(run, wizard, target)


def told(node: Node, text: str) -> int | None:
    """The option the user's own words already chose ("the light is orange"), if exactly
    one option's words appear in them; never "I'm not sure"."""
    if node.type != "choice" or not text:
        return None
    hits = [i for i, o in enumerate(node.options)
            if not o.not_sure and any(matches(w, text) for w in o.words)]
    return hits[0] if len(hits) == 1 else None


def arrive(run: WizardRun, wizard: Wizard, node_id: str) -> Outcome:
    """Record the visit and what reaching this node means (resolved, handoff, goto). A
    question the open answer already answered is answered with it, not asked again."""
    node = wizard.nodes[node_id]
    record(run, node_id, "visit")
    state = run.state or {}
    if node_id not in (state.get("answers") or {}):
        choice = told(node, open_answer(state))
        if choice is not None:
            item = describe(node, str(choice))
            if item is not None:
                item["kind"] = "told"
                return answer(run, wizard, node, item)
    if node.type == "resolved":
        run.outcome = WizardOutcome.RESOLVED
        record(run, node_id, "resolved")
    elif node.type == "handoff":
        update_state(run, handoff={"category": node.category or wizard.category,
                                   "impact": node.impact or None,
                                   "urgency": node.urgency or None})
    elif node.type == "goto":
        return goto(run, wizard, node)
    return Outcome(wizard.id, node_id)


def goto(run: WizardRun, wizard: Wizard, node: Node) -> Outcome:
    """Continue in another wizard, carrying the user's own words so they are not asked twice."""
    from kb.wizards.registry import get_wizard

    target = get_wizard(node.wizard)
    run.outcome = WizardOutcome.GOTO
    record(run, node.id, "goto", node.wizard)
    if target is None or not target.available:
        return Outcome(wizard.id, node.id)
    return begin(target, open_answer(run.state or {}))


def begin(wizard: Wizard, text: str = "") -> Outcome:
    """Start a run; with ``text`` the first (open) question is answered with it already."""
    run = start_run(wizard.id, wizard.title, wizard.start)
    update_state(run, category=wizard.category)
    first = wizard.nodes[wizard.start]
    item = describe(first, text) if text.strip() else None
    if item is None:
        return Outcome(wizard.id, wizard.start)
    return answer(run, wizard, first, item)
