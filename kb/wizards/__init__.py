"""Troubleshooting wizards: YAML decision trees, validated and run one question at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..content.problems import Problem


def load_wizards(folder: Path, library: Any = None) -> tuple[dict[str, Any], list[Problem]]:
    """Placeholder until the wizard engine lands: every ``*.yml`` stem is a wizard id."""
    return {p.stem: None for p in sorted(Path(folder).glob("*.yml"))}, []
