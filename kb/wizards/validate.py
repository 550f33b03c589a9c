"""Graph checks: every link goes to a real node, every node can be reached, and from every
node there is a way to an end (resolved, handoff or another wizard)."""

from __future__ import annotations

from collections.abc import Callable

from kb.wizards.marked import MDict, MList, Pos
from kb.wizards.model import TERMINAL_TYPES, Wizard


def check_graph(wizard: Wizard, raw_nodes: MDict) -> list[tuple[Pos, str]]:
    """(position, message) for unknown links, unreachable nodes and loops with no way out."""
    found: list[tuple[Pos, str]] = []
    nodes = wizard.nodes
    for node_id in nodes:
        for target, pos in _links(raw_nodes.get(node_id)):
            if target not in nodes and target in raw_nodes:
                continue  # the target itself is broken and already reported
            if target not in nodes:
                found.append((pos, f"node '{node_id}' links to unknown node '{target}'"))
    if not nodes:
        return found
    start = next(iter(raw_nodes))
    reachable = _walk([str(start)], lambda n: nodes[n].targets() if n in nodes else [])
    for node_id in nodes:
        if node_id not in reachable:
            found.append((raw_nodes.key_pos(node_id),
                          f"node '{node_id}' is unreachable: nothing links to it"))
    incoming: dict[str, list[str]] = {n: [] for n in nodes}
    for node_id, node in nodes.items():
        for target in node.targets():
            if target in incoming:
                incoming[target].append(node_id)
    ends = [n for n, node in nodes.items() if node.type in TERMINAL_TYPES or node.incomplete]
    can_end = _walk(ends, lambda n: incoming.get(n, []))
    for node_id, node in nodes.items():
        known = [t for t in node.targets() if t in nodes]
        if node_id in reachable and node_id not in can_end and known:
            found.append((raw_nodes.key_pos(node_id),
                          f"node '{node_id}' is in a loop with no way out: no path from it "
                          "reaches resolved, handoff or goto"))
    return found


def _walk(starts: list[str], step: Callable[[str], list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(step(current))
    return seen


def _links(raw: object) -> list[tuple[str, Pos]]:
    """Every (target, position) written in one raw node."""
    if not isinstance(raw, MDict):
        return []
    out = [(str(raw[k]), raw.pos(k)) for k in ("next", "if_yes", "if_no") if raw.get(k)]
    for key in ("options", "routes"):
        items = raw.get(key)
        if isinstance(items, MList):
            out += [(str(i["next"]), i.pos("next")) for i in items
                    if isinstance(i, MDict) and i.get("next")]
    return out
