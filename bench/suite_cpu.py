"""The CPU the test suite costs: user + sys of pytest and of every process it starts.

    .venv/bin/python bench/suite_cpu.py [--pg] [--repeat N] [--tree DIR] [pytest args ...]

`/usr/bin/time` (wait4's rusage) misses Chromium's renderers: their parent, the zygote, leaves
them to init when the browser closes, so their CPU is never added to anyone we wait for. Here
the runner makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER): orphaned descendants
are handed to it instead of init, it waits for every one of them, and RUSAGE_CHILDREN then holds
the whole tree. PostgreSQL's server processes are not ours and are not counted.

--tree runs the suite of another checkout (e.g. `git archive` of an older commit) with this
checkout's virtualenv: pytest puts that checkout first on sys.path, so its own kb is tested.
--pg runs against postgresql://postgres@127.0.0.1:5432/test (KB_TEST_PG_URL to change it).
Each run prints wall, user, sys, user+sys and the pytest summary line; with --repeat the lowest
user+sys is the figure to report (other work on the machine only ever adds to it).
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _reap_all() -> None:
    """Wait for every descendant handed to us, until none is left."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def run_once(args: list[str], env: dict[str, str], tree: Path = ROOT
             ) -> tuple[float, float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen([str(ROOT / ".venv/bin/pytest"), *args], cwd=tree, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = proc.communicate()
    _reap_all()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = next((line for line in reversed(out.splitlines())
                    if " passed" in line or " failed" in line or " error" in line), "?")
    if proc.returncode != 0:
        sys.stdout.write(out[-4000:])
    return (wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime,
            summary.strip("= "))


def main(argv: list[str]) -> int:
    repeat = 1
    env = dict(os.environ)
    label = "SQLite"
    tree = ROOT
    rest: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg == "--pg":
            env["KB_TEST_DATABASE_URL"] = os.environ.get(
                "KB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
            label = "PostgreSQL"
        elif arg == "--tree":
            tree = Path(next(it)).resolve()
        elif arg == "--repeat":
            repeat = int(next(it))
        else:
            rest.append(arg)
    args = ["-q", "-p", "no:cacheprovider", *rest]
    _become_subreaper()
    best = None
    for n in range(1, repeat + 1):
        wall, user, system, summary = run_once(args, env, tree)
        cpu = user + system
        best = cpu if best is None else min(best, cpu)
        load = os.getloadavg()[0]
        print(f"{label} {tree.name} run {n}: {wall:6.1f} s wall  {user:6.1f} user  "
              f"{system:5.1f} sys  = {cpu:6.1f} s CPU  (load {load:.1f})  {summary}", flush=True)
    if repeat > 1:
        print(f"{label} lowest: {best:.1f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
