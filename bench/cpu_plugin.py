"""A pytest plugin (``-p bench.cpu_plugin``) that charges every test the CPU it cost: this
process, its reaped children, and the children still running (Chromium, servers), read from
/proc, so a browser test is charged for the browser's work too. Writes the list to the file
named by KB_CPU_REPORT (default: stdout at the end)."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from pathlib import Path

import pytest

_TICK = os.sysconf("SC_CLK_TCK")
_rows: list[tuple[float, str]] = []
_start = 0.0


def _descendants() -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [os.getpid()]
    while todo:
        for kid in children.get(todo.pop(), []):
            out.append(kid)
            todo.append(kid)
    return out


def cpu_now() -> float:
    """Seconds of CPU spent so far by this process and everything it started."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for pid in _descendants():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / _TICK  # utime stime cutime cstime
    return total


def pytest_sessionstart(session: pytest.Session) -> None:
    global _start
    _start = cpu_now()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    before = cpu_now()
    try:
        return (yield)
    finally:
        _rows.append((cpu_now() - before, item.nodeid))


def pytest_sessionfinish(session: pytest.Session) -> None:
    total = cpu_now() - _start
    lines = [f"{cpu:7.2f}  {nodeid}" for cpu, nodeid in sorted(_rows, reverse=True)]
    in_tests = sum(c for c, _ in _rows)
    lines.insert(0, f"session {total:.2f} s CPU; in tests {in_tests:.2f} s; "
                    f"outside (collection, session teardown) {total - in_tests:.2f} s")
    target = os.environ.get("KB_CPU_REPORT")
    text = "\n".join(lines) + "\n"
    if target:
        Path(target).write_text(text)
    else:
        print("\n" + text)
