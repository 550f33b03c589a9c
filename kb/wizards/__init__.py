"""Troubleshooting wizards: YAML decision trees, validated and run one question at a time."""

from __future__ import annotations

from .loader import load_wizards
from .runs import handoff_payload

__all__ = ["handoff_payload", "load_wizards"]
