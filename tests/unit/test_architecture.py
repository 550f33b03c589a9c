"""The shape of the code, checked: one room per area (no route module imports another
area's routes), shared services never declare routes, services flush and the request (or
the command) commits once, nothing imports ``kb.views`` (gone), no module over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

KB = Path(__file__).resolve().parents[2] / "kb"
AREAS = ("public", "wizards", "tickets", "agents", "outages", "api", "ops", "insights", "sso",
         "problems")
# Where a commit is the end of a unit of work: route modules, CLI commands, the mail worker's
# claim/send steps, the best-effort search log, retention pruning, each message the built-in
# SMTP receiver takes in.
MAY_COMMIT = ("routes.py", "cli.py", "mail.py", "worker.py", "searchlog.py", "retention.py",
              "smtp_receiver.py")


def _modules() -> list[tuple[Path, str, ast.Module]]:
    out = []
    for path in sorted(KB.rglob("*.py")):
        name = ".".join(path.relative_to(KB.parent).with_suffix("").parts)
        out.append((path, name, ast.parse(path.read_text(), str(path))))
    return out


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _area(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def _is_routes(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "routes" or last.endswith("_routes")


def test_no_route_module_imports_another_areas_routes() -> None:
    wrong = []
    for _path, name, tree in _modules():
        if not _is_routes(name):
            continue
        for target in _imports(tree):
            if _area(target) not in (None, _area(name)) and _is_routes(target):
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_shared_services_declare_no_routes() -> None:
    wrong = [name for path, name, tree in _modules() if name.startswith("kb.core")
             and any(isinstance(n, ast.Attribute) and n.attr in ("route", "get", "post")
                     and isinstance(n.value, ast.Name) and n.value.id == "bp"
                     for n in ast.walk(tree))]
    assert wrong == []


def test_services_flush_and_only_requests_and_commands_commit() -> None:
    wrong = []
    for path, name, tree in _modules():
        if path.name.endswith(MAY_COMMIT) or path.name.endswith("_routes.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "commit" and "session" in ast.unparse(node.func):
                wrong.append(f"{name}:{node.lineno}")
    assert wrong == [], "services flush; the view or command commits: " + ", ".join(wrong)


def test_the_old_views_package_is_gone_and_modules_stay_small() -> None:
    assert not (KB / "views").exists()
    big = [f"{p.relative_to(KB)}: {n}" for p in KB.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > 420]
    assert big == []
