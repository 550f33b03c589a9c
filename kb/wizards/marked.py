"""YAML node trees (from yaml.compose) turned into dicts and lists that remember where each
key and value was written, so problems can point at file:line:col."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import yaml


class Pos(NamedTuple):
    line: int
    col: int


def _pos(node: yaml.Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


class MDict(dict[Any, Any]):
    """A mapping with the position of itself, each key and each value."""

    start: Pos = Pos(1, 1)

    def __init__(self) -> None:
        super().__init__()
        self.keys_at: dict[Any, Pos] = {}
        self.values_at: dict[Any, Pos] = {}

    def key_pos(self, key: Any) -> Pos:
        return self.keys_at.get(key, self.start)

    def pos(self, key: Any) -> Pos:
        return self.values_at.get(key, self.key_pos(key))


class MList(list[Any]):
    """A sequence with the position of itself and each item."""

    start: Pos = Pos(1, 1)

    def __init__(self) -> None:
        super().__init__()
        self.items_at: list[Pos] = []

    def item_pos(self, index: int) -> Pos:
        return self.items_at[index] if index < len(self.items_at) else self.start


def to_marked(node: yaml.Node, error: Callable[[Pos, str], None]) -> Any:
    """Plain Python values (safe types only); duplicate keys are reported through ``error``."""
    constructor = yaml.SafeLoader("")
    return _convert(node, constructor, error)


def _convert(node: yaml.Node, constructor: yaml.SafeLoader,
             error: Callable[[Pos, str], None]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = MDict()
        out.start = _pos(node)
        for key_node, value_node in node.value:
            key = _convert(key_node, constructor, error)
            if isinstance(key, (dict, list)):
                error(_pos(key_node), "a key must be plain text")
                continue
            if key in out:
                error(_pos(key_node), f"'{key}' is written twice")
                continue
            out[key] = _convert(value_node, constructor, error)
            out.keys_at[key] = _pos(key_node)
            out.values_at[key] = _pos(value_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = MList()
        seq.start = _pos(node)
        for item in node.value:
            seq.append(_convert(item, constructor, error))
            seq.items_at.append(_pos(item))
        return seq
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        error(_pos(node), f"this value cannot be read: {exc}")
        return None
