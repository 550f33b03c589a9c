"""The groups agents belong to: the escalation groups in support.yml (the same names a
ticket's group takes when it is passed on). In code they are an agent's ``teams``; people
read "group"."""

from __future__ import annotations

from collections.abc import Iterable

from kb.core.services import support


def group_names() -> list[str]:
    """Every group in support.yml, first line first, as written there."""
    return [str(g["name"]) for g in support().get("groups") or [] if g.get("name")]


def group_choices() -> list[tuple[str, str]]:
    """(name, label) for checkboxes: "Network team (line 2)"."""
    return [(str(g["name"]), f"{g['name']} (line {g.get('tier', 1)})")
            for g in support().get("groups") or [] if g.get("name")]


def clean(teams: Iterable[str]) -> list[str]:
    """Only groups support.yml knows, each once, in its order (a group removed from the
    file drops out the next time a lead saves)."""
    wanted = set(teams)
    return [name for name in group_names() if name in wanted]
