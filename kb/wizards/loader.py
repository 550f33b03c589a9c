"""Load wizards/*.yml with safe YAML (yaml.compose, so every value keeps its line and column)
and report every problem at once, so one `flask kb check` run shows all that needs fixing.
Texts get the organisation's facts (``{{ facts.… }}``) from the library's settings."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from kb.core import yamlsafe
from kb.core.content.problems import Problem
from kb.wizards.marked import MDict, MList, Pos, to_marked
from kb.wizards.model import NODE_TYPES, Node, Option, Route, Wizard, is_not_sure
from kb.wizards.validate import check_graph

IMPACTS = ("me", "team", "everyone")
URGENCIES = ("low", "normal", "high")
STEP_KINDS = ("workaround", "fix")
VERSION_CHARS = 12  # hex digits of the file's SHA-256 that wizard events carry
TOP_KEYS = {"id", "title", "summary", "category", "keywords", "related", "nodes"}
NODE_KEYS = {
    "open": {"text", "hint", "next", "routes", "show_articles"},
    "choice": {"text", "hint", "check", "options"},
    "step": {"title", "text", "kind", "if_yes", "if_no"},
    "article": {"article", "text", "if_yes", "if_no"},
    "resolved": {"text"},
    "handoff": {"text", "category", "impact", "urgency"},
    "goto": {"wizard", "text"},
}


def load_wizards(folder: Path, library: Any = None,
                 known: Collection[str] = ()) -> tuple[dict[str, Wizard], list[Problem]]:
    """Every ``*.yml`` in ``folder`` by file stem (broken ones too, marked unavailable).
    ``known``: other wizards a goto may name (a translation's folder: the default ones)."""
    wizards: dict[str, Wizard] = {}
    problems: list[Problem] = []
    gotos: list[tuple[Wizard, Pos, str]] = []
    for path in sorted(Path(folder).glob("*.yml")):
        checker = _Checker(path, library)
        wizard = checker.load()
        wizards[path.stem] = wizard
        problems += checker.problems
        gotos += checker.gotos
    for wizard, pos, target in gotos:
        if target == wizard.id or (target not in wizards and target not in known):
            reason = "a wizard cannot go to itself" if target == wizard.id else "no such wizard"
            problem = Problem.at(wizard.path or "", pos.line,
                                 f"goto wizard '{target}': {reason}", col=pos.col)
            problems.append(problem)
            wizard.errors.append(problem.message)
    return wizards, sorted(problems)


class _Checker:
    """Builds one Wizard from one file, collecting a Problem for everything wrong."""

    def __init__(self, path: Path, library: Any) -> None:
        self.path = path
        self.library = library
        self.problems: list[Problem] = []
        self.gotos: list[tuple[Wizard, Pos, str]] = []
        self.facts = getattr(library, "facts", None)
        self._missing = False  # set when a node lacks a link (reported once, not as a loop)

    def error(self, pos: Pos, message: str) -> None:
        self.problems.append(Problem.at(self.path, pos.line, message, col=pos.col))

    def load(self) -> Wizard:
        wizard = Wizard(id=self.path.stem, title=self.path.stem.replace("-", " ").capitalize(),
                        path=self.path)
        text: str | None = None
        try:
            raw = self.path.read_bytes()
            wizard.version = hashlib.sha256(raw).hexdigest()[:VERSION_CHARS]
            text = raw.decode("utf-8")
            root = yamlsafe.compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1)
            where = exc.context_mark
            context = (f" ({exc.context} that starts at line {where.line + 1}, column "
                       f"{where.column + 1})" if exc.context and where else "")
            self.error(pos, f"the YAML cannot be read: {exc.problem or exc}{context}")
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.error(Pos(1, 1), f"the file cannot be read: {exc}")
        else:
            data = to_marked(root, self.error) if root is not None else None
            if isinstance(data, MDict):
                self._fill(wizard, data)
            else:
                self.error(Pos(1, 1), "a wizard file must be a mapping (id:, title:, nodes: …)")
        wizard.errors = [p.message for p in self.problems if p.level == "error"]
        if self.facts is not None and text is not None:
            # For `flask kb check`; the wizard still runs (an unknown variable shows as typed).
            self.problems += self.facts.problems(self.path, text)
        return wizard

    # ------------------------------------------------------------------ top level
    def _fill(self, wizard: Wizard, data: MDict) -> None:
        for key in data:
            if key not in TOP_KEYS:
                self.error(data.key_pos(key), f"unknown field '{key}'")
        wid = self._text(data, "id")
        if wid and wid != self.path.stem:
            self.error(data.pos(key="id"), f"id '{wid}' must be the file name '{self.path.stem}'")
        wizard.title = self._text(data, "title") or wizard.title
        wizard.summary = self._text(data, "summary")
        wizard.category = self._text(data, "category")
        categories = getattr(self.library, "categories", None)
        if wizard.category and categories and wizard.category not in categories:
            self.error(data.pos(key="category"), f"unknown category '{wizard.category}'")
        wizard.keywords = tuple(self._facts(str(k)).lower() for k in self._list(data, "keywords"))
        related = data.get("related")
        if related is not None and not isinstance(related, MList):
            self.error(data.pos(key="related"), "related must be a list of article ids")
        elif isinstance(related, MList):
            ids = [self._article(related.item_pos(i), v) for i, v in enumerate(related)]
            wizard.related = tuple(i for i in ids if i is not None)
        nodes = data.get("nodes")
        if not isinstance(nodes, MDict) or not nodes:
            self.error(data.pos(key="nodes") if "nodes" in data else data.start,
                       "missing nodes: a wizard needs at least an open question")
            return
        for node_id, raw in nodes.items():
            node = self._node(wizard, str(node_id), raw, nodes.key_pos(node_id))
            if node is not None:
                wizard.nodes[str(node_id)] = node
        first_id = str(next(iter(nodes)))
        first = wizard.nodes.get(first_id)
        if first is not None and first.type != "open":
            self.error(nodes.key_pos(first_id),
                       f"the first node '{first_id}' must be an open question (type: open)")
        for pos, message in check_graph(wizard, nodes):
            self.error(pos, message)

    # ------------------------------------------------------------------ nodes
    def _node(self, wizard: Wizard, node_id: str, raw: Any, key_pos: Pos) -> Node | None:
        if not isinstance(raw, MDict):
            self.error(key_pos, f"node '{node_id}' must be a mapping with a type")
            return None
        ntype = raw.get("type")
        if ntype not in NODE_TYPES:
            where = raw.pos(key="type") if "type" in raw else key_pos
            self.error(where, f"node '{node_id}': type must be one of {', '.join(NODE_TYPES)}")
            return None
        for key in raw:
            if key != "type" and key not in NODE_KEYS[ntype]:
                self.error(raw.key_pos(key), f"node '{node_id}': unknown field '{key}'")
        self._missing = False
        node = Node(id=node_id, type=ntype, line=key_pos.line,
                    hint=self._text(raw, "hint", required=False),
                    check=self._text(raw, "check", required=False))
        needs_text = ntype in ("open", "choice", "step", "resolved", "handoff")
        node.text = self._text(raw, "text", required=needs_text, where=f"node '{node_id}'")
        if ntype == "open":
            node.next = self._link(raw, "next", node_id)
            node.routes = self._routes(raw, node_id)
            node.show_articles = raw.get("show_articles") is True
        elif ntype == "choice":
            node.options = self._options(raw, node_id, key_pos)
        elif ntype == "step":
            node.title = self._text(raw, "title", where=f"node '{node_id}'")
            node.kind = self._text(raw, "kind", where=f"node '{node_id}'")
            if node.kind and node.kind not in STEP_KINDS:
                self.error(raw.pos(key="kind"), f"node '{node_id}': kind must be workaround or fix")
            node.yes = self._link(raw, "if_yes", node_id)
            node.no = self._link(raw, "if_no", node_id)
        elif ntype == "article":
            node.article = self._article(raw.pos(key="article"), raw.get("article"))
            node.yes = self._link(raw, "if_yes", node_id)
            node.no = self._link(raw, "if_no", node_id)
        elif ntype == "handoff":
            node.category = self._text(raw, "category", required=False) or wizard.category
            node.impact = self._choice(raw, "impact", IMPACTS, node_id)
            node.urgency = self._choice(raw, "urgency", URGENCIES, node_id)
        elif ntype == "goto":
            node.wizard = self._text(raw, "wizard", where=f"node '{node_id}'")
            if node.wizard:
                self.gotos.append((wizard, raw.pos(key="wizard"), node.wizard))
        node.incomplete = self._missing
        return node

    def _options(self, raw: MDict, node_id: str, key_pos: Pos) -> list[Option]:
        items = raw.get("options")
        if not isinstance(items, MList) or len(items) < 2:
            self.error(raw.pos(key="options") if "options" in raw else key_pos,
                       f"node '{node_id}': a choice needs a list of at least two options")
            return []
        options = []
        for i, item in enumerate(items):
            if not isinstance(item, MDict):
                self.error(items.item_pos(i),
                           f"node '{node_id}': each option needs label: and next:")
                continue
            where = f"node '{node_id}' option {i + 1}"
            sets = item.get("sets") or {}
            if not isinstance(sets, dict) or not set(sets) <= {"impact", "urgency", "category"}:
                self.error(item.pos(key="sets"), f"{where}: sets may only hold impact, urgency "
                                                 "and category")
                sets = {}
            told = item.get("words") or []
            if isinstance(told, str):
                told = [told]
            if not isinstance(told, list):
                self.error(item.pos(key="words"), f"{where}: words must be a list")
                told = []
            options.append(Option(label=self._text(item, "label", where=where),
                                  next=self._link(item, "next", where),
                                  says=self._text(item, "says", required=False),
                                  sets={str(k): str(v) for k, v in sets.items()},
                                  words=tuple(str(w).lower() for w in told)))
        if not any(is_not_sure(o.label) for o in options):
            self.error(raw.key_pos("options"),
                       f"node '{node_id}': a choice must offer an \"I'm not sure\" option")
        return options

    def _routes(self, raw: MDict, node_id: str) -> list[Route]:
        items = raw.get("routes")
        if items is None:
            return []
        if not isinstance(items, MList):
            self.error(raw.pos(key="routes"), f"node '{node_id}': routes must be a list")
            return []
        routes = []
        for i, item in enumerate(items):
            words = item.get("words") if isinstance(item, MDict) else None
            if isinstance(words, str):
                words = [words]
            if not isinstance(item, MDict) or not isinstance(words, list) or not words:
                self.error(items.item_pos(i), f"node '{node_id}': each route needs words: "
                                              "and next:")
                continue
            routes.append(Route(tuple(str(w).lower() for w in words),
                                self._link(item, "next", f"node '{node_id}' route {i + 1}")))
        return routes

    # ------------------------------------------------------------------ values
    def _text(self, data: MDict, key: str, required: bool = True, where: str = "") -> str:
        value = data.get(key)
        prefix = f"{where}: " if where else ""
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(data.pos(key=key) if key in data else data.start,
                           f"{prefix}missing text: '{key}' is required")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.error(data.pos(key=key), f"{prefix}'{key}' must be text")
            return ""
        return self._facts(str(value).strip())

    def _facts(self, text: str) -> str:
        return self.facts.fill(text) if self.facts is not None else text

    def _link(self, data: MDict, key: str, where: str) -> str:
        value = data.get(key)
        if value is None or value == "":
            self.error(data.pos(key=key) if key in data else data.start,
                       f"{where}: missing '{key}', so this path never ends")
            self._missing = True
            return ""
        return str(value)

    def _choice(self, data: MDict, key: str, allowed: tuple[str, ...], node_id: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if value not in allowed:
            self.error(data.pos(key=key),
                       f"node '{node_id}': {key} must be one of {', '.join(allowed)}")
            return ""
        return str(value)

    def _list(self, data: MDict, key: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(data.pos(key=key), f"'{key}' must be a list")
            return []
        return list(value)

    def _article(self, pos: Pos, value: Any) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(pos, f"article id must be a number, not '{value}'")
            return None
        articles = getattr(self.library, "articles", None)
        if articles is None:
            return value
        article = articles.get(value)
        if article is None:
            self.error(pos, f"unknown article {value}")
            return None
        if not article.is_public:
            self.error(pos, f"article {value} is internal: wizards may only show public articles")
            return None
        return value
