"""Troubleshooting wizards: YAML decision trees, validated and run one question at a time."""

from __future__ import annotations

from kb.wizards.loader import load_wizards
from kb.wizards.runs import handoff_payload

__all__ = ["handoff_payload", "load_wizards"]
