"""Relevance on real phrasings: our search and routing beside plain SQLite FTS5.

    python bench/relevance.py [--file tests/relevance.yml] [--show-misses [--half A|B]]
                              [--backend fast|whoosh|postgres [--database URL]]

Each row of the file is something a real person typed, with the article that answers it (or
null when the knowledge base has none) and the wizard the open question should reach. Prints
top-1, top-3 and MRR@10 on covered rows, `confident` on covered and uncovered rows, routing
accuracy, and the same ranking figures for an FTS5 table over the same public articles (porter
stemming, bm25 with the same field weights, OR of the words).

``--backend`` picks the search backend (KB_SEARCH_BACKEND); ``postgres`` makes a database of
its own on the server of ``--database`` (default: $KB_TEST_DATABASE_URL), indexes the articles
there and drops it afterwards.

The rows are also split in two fixed halves by a hash of their text. Tune only on the misses
of half A (``--show-misses`` shows those; ``--half B`` the others, to read, not to tune on);
a change that helps A but not B is probably fitted to A's rows. Rows with an ``added`` date
came later and are reported on their own (added before tuning on them), not in A or B. The
log of changes and their effect on each half is bench/relevance-log.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb import create_app  # noqa: E402
from kb.core.services import library, search_index  # noqa: E402
from kb.extensions import db  # noqa: E402
from kb.wizards.registry import all_wizards  # noqa: E402
from kb.wizards.routing import route  # noqa: E402
from tests.pgdb import throwaway_database  # noqa: E402


def load_rows(path: Path) -> list[dict[str, Any]]:
    rows = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or []
    return [r for r in rows if isinstance(r, dict) and r.get("query")]


def half(row: dict[str, Any]) -> str:
    """"A" or "B": a fixed split of the rows by a hash of their text."""
    return "AB"[hashlib.sha1(str(row["query"]).encode("utf-8")).digest()[0] % 2]


def wanted(row: dict[str, Any]) -> set[int]:
    if row.get("expect") is None:
        return set()
    return {int(row["expect"]), *(int(x) for x in row.get("also") or [])}


def rank_of(ids: list[int], good: set[int]) -> int | None:
    return next((i for i, d in enumerate(ids) if d in good), None)


class Fts5:
    """The peer: what a plain FTS5 table does with the same articles and the same words."""

    def __init__(self, articles: list[Any]):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, summary, tags, body,"
                        " tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO docs(rowid, title, summary, tags, body) "
                            "VALUES (?, ?, ?, ?, ?)",
                            ((a.id, a.title, a.summary, " ".join(a.tags), a.text)
                             for a in articles))

    def search(self, q: str) -> list[int]:
        terms = ['"' + w + '"' for w in re.findall(r"\w+", q.lower())]
        if not terms:
            return []
        return [r[0] for r in self.db.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 2.0, 2.0, 1.0)"
            " LIMIT 10", (" OR ".join(terms),))]


def routed_ok(row: dict[str, Any], routing: Any) -> bool:
    """Right when it goes straight to the expected wizard, or offers it in the pick-list;
    a security request must reach the security page. Rows with no wizard: not straight into a
    troubleshooting wizard."""
    expect = row.get("wizard")
    if expect == "security":  # the security page, or a pick-list led by a security article
        return routing.security is not None or (
            routing.wizard is None and bool(routing.articles)
            and routing.articles[0].category == "security")
    if routing.security is not None:
        return False
    if not expect:
        return routing.wizard is None
    if routing.wizard is not None:
        return bool(routing.wizard.id == expect)
    return expect in [w.id for w in routing.choices]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", default=str(ROOT / "tests" / "relevance.yml"))
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--half", choices=("A", "B"), default="A",
                        help="whose misses --show-misses prints (tune on A only)")
    parser.add_argument("--backend", choices=("fast", "whoosh", "postgres"), default="fast")
    parser.add_argument("--database", default=os.environ.get("KB_TEST_DATABASE_URL", ""),
                        help="PostgreSQL server for --backend postgres")
    args = parser.parse_args()
    rows = load_rows(Path(args.file))
    with tempfile.TemporaryDirectory() as tmp, database(args, tmp) as url:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp,
                          "INDEX_DIR": f"{tmp}/index", "SEARCH_BACKEND": args.backend,
                          "INDEX_ON_START": args.backend != "postgres", "DATABASE_URL": url})
        with app.app_context():
            if args.backend == "postgres":
                db.create_all()
                search_index().sync(library().visible(include_internal=True))
                db.session.remove()
            print(f"backend: {args.backend}")
            fts = Fts5(library().visible())
            print("all rows")
            report(rows, fts, show=False)
            for name in "AB":
                print(f"\nhalf {name}")
                report([r for r in rows if half(r) == name and not r.get("added")], fts,
                       show=args.show_misses and args.half == name)
            # Rows added in a later pass, before any change was tuned on them: a fresh check.
            for added in sorted({str(r["added"]) for r in rows if r.get("added")}):
                print(f"\nrows added {added} (held out when added)")
                report([r for r in rows if str(r.get("added")) == added], fts, show=False)


@contextmanager
def database(args: argparse.Namespace, tmp: str) -> Iterator[str]:
    """A SQLite file, or for the PostgreSQL backend a database of its own, dropped after."""
    if args.backend != "postgres":
        yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    if not args.database:
        sys.exit("--backend postgres needs --database postgresql://... (or KB_TEST_DATABASE_URL)")
    with throwaway_database(args.database, "kb_bench_") as url:
        yield url


def report(rows: list[dict[str, Any]], fts: Fts5, show: bool) -> None:
    index, wizards = search_index(), list(all_wizards().values())
    n = {"covered": 0, "uncovered": 0, "routed": 0}
    ours = {"top1": 0, "top3": 0, "mrr": 0.0}
    peer = {"top1": 0, "top3": 0, "mrr": 0.0}
    confident_covered = not_confident_uncovered = routed_right = 0
    misses: list[str] = []
    wall: list[float] = []
    cpu = 0.0
    for row in rows:
        q, good = str(row["query"]), wanted(row)
        t0, c0 = time.perf_counter(), time.process_time()
        res = index.search(q, per_page=10)
        wall.append(time.perf_counter() - t0)
        cpu += time.process_time() - c0
        ids = [h.id for h in res.hits]
        if good:
            n["covered"] += 1
            for got, tally in ((ids, ours), (fts.search(q), peer)):
                r = rank_of(got, good)
                tally["top1"] += r == 0
                tally["top3"] += r is not None and r < 3
                tally["mrr"] += 1 / (r + 1) if r is not None else 0.0
            confident_covered += res.confident
            r = rank_of(ids, good)
            if r != 0 or not res.confident:
                misses.append(f"rank {r} conf {res.confident} want {sorted(good)} got "
                              f"{ids[:3]} dym {res.did_you_mean!r}: {q[:90]}")
        else:
            n["uncovered"] += 1
            not_confident_uncovered += not res.confident
            if res.confident:
                misses.append(f"confident on uncovered, got {ids[:3]}: {q[:90]}")
        if "wizard" in row:
            n["routed"] += 1
            routing = route(q, wizards, res.hits)
            ok = routed_ok(row, routing)
            routed_right += ok
            if not ok:
                where = (f"security {routing.security}" if routing.security else
                         routing.wizard.id if routing.wizard else
                         f"choose {[w.id for w in routing.choices]}")
                misses.append(f"routing want {row.get('wizard')} got {where}: {q[:90]}")

    def pct(a: float, b: int) -> str:
        return f"{100 * a / b:5.1f} %" if b else "  n/a"

    c = n["covered"]
    print(f"rows: {len(rows)} ({c} covered, {n['uncovered']} uncovered, {n['routed']} routed)")
    print(f"top-1            ours {pct(ours['top1'], c)}   fts5 {pct(peer['top1'], c)}")
    print(f"top-3            ours {pct(ours['top3'], c)}   fts5 {pct(peer['top3'], c)}")
    mrr, peer_mrr = ours["mrr"] / max(c, 1), peer["mrr"] / max(c, 1)
    print(f"MRR@10           ours {mrr:.3f}     fts5 {peer_mrr:.3f}")
    print(f"confident on covered        {pct(confident_covered, c)}")
    print(f"not confident on uncovered  {pct(not_confident_uncovered, n['uncovered'])}")
    print(f"routing (wizard or pick-list) {pct(routed_right, n['routed'])}")
    wall.sort()
    if wall:  # this process only: PostgreSQL's own CPU is not in these
        print(f"per search: wall p50 {1000 * wall[len(wall) // 2]:.1f} ms, p99 "
              f"{1000 * wall[min(len(wall) - 1, int(len(wall) * 0.99))]:.1f} ms, "
              f"CPU {1000 * cpu / len(wall):.1f} ms in this process")
    if show:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
