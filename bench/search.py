"""Search benchmark: our index against SQLite FTS5 (and tantivy, when installed) on one corpus.

    python bench/search.py [--articles N] [--queries M] [--seed S]

The corpus is IT-worded, drawn from the real articles (bench/search_corpus.py): common words in
15-35 % of the articles, search-box queries of one to four words, the same queries with one word
misspelt, and real requests people typed (tests/relevance.yml). Every engine gets each query in
turn, so a busy machine slows all alike; CPU time is time.process_time() around one call. The
query side runs in a child process that only opens the built indexes, so its RSS is what a
worker pays. Figures are printed as plain lines; bench/search.md keeps a run with its load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import search_peers as peers  # noqa: E402
from bench.search_corpus import COMMON, ITCorpus, requests  # noqa: E402
from kb.core.search import SearchIndex  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def cpu() -> float:
    """CPU seconds of this process and its finished children (a multi-process build)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measured(label: str, fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    c, t = cpu(), time.perf_counter()
    out = fn(*args)
    spent, wall = cpu() - c, time.perf_counter() - t
    print(f"{label}: {spent:.2f} s CPU, {wall:.2f} s wall")
    return out, spent


def build(articles: list[Any], corpus: ITCorpus, folder: Path) -> None:
    print(f"-- build, {len(articles)} articles ({load()})")
    idx = SearchIndex(folder / "index")
    _n, ours = measured("ours full build", lambda: idx.rebuild(articles))
    _db, fts = measured("fts5 full build", peers.fts5_build, articles, folder)
    print(f"  ours / fts5 build CPU: {ours / fts:.2f}x")
    if peers.HAVE_TANTIVY:
        _t, tan = measured("tantivy full build (1 thread)",
                           peers.tantivy_build, articles, folder)
        print(f"  ours / tantivy build CPU: {ours / tan:.2f}x")
    measured("ours sync, nothing changed", lambda: idx.sync(articles))
    i = len(articles) // 2
    body = articles[i].body + "\n\nPrinter toner smudges on every page."
    articles[i] = replace(articles[i], body=body, digest=articles[i].digest + "-edited")
    changed, _c = measured("ours sync after changing one article", lambda: idx.sync(articles))
    assert changed == 1, changed
    measured("ours add() of that one article again", lambda: idx.add(articles[i]))


def serve(folder: Path) -> None:
    """The query side (a child process): open the indexes, run every query on every engine."""
    sets = json.loads((folder / "queries.json").read_text())
    db = sqlite3.connect(folder / "fts.sqlite3")
    peers.fts5_same_work(db, "printer")
    tan = peers.tantivy_open(folder) if peers.HAVE_TANTIVY else None
    if tan is not None:
        peers.tantivy_same_work(tan, "printer")
    base = rss_mb()
    idx = SearchIndex(folder / "index")
    c = cpu()
    idx.search(sets["box"][0])
    print(f"ours first search (opens the searcher): {ms(cpu() - c)} CPU; "
          f"RSS +{rss_mb() - base:.0f} MB")
    times: dict[str, list[float]] = {}

    def timed(key: str, fn: Callable[..., Any], *args: Any) -> Any:
        c = cpu()
        out = fn(*args)
        times.setdefault(key, []).append(cpu() - c)
        return out

    same_top = 0
    for q in sets["box"]:
        res = timed("ours box", idx.search, q)
        top = timed("fts5 box (top 10 + snippet)", peers.fts5_top, db, q)
        timed("fts5 box same work (+count, OR)", peers.fts5_same_work, db, q)
        if tan is not None:
            timed("tantivy box same work", peers.tantivy_same_work, tan, q)
        same_top += bool(res.hits and top and res.hits[0].id == top[0])
    print(f"box queries: {len(sets['box'])}; same top hit as fts5 in {same_top}")
    typo_cost, right_cost, fixed = 0.0, 0.0, 0
    for right, typo in sets["typos"]:
        got = timed("ours typo", idx.search, typo)
        timed("ours same, spelt right", idx.search, right)
        timed("fts5 typo same work", peers.fts5_same_work, db, typo)
        if tan is not None:
            timed("tantivy typo, fuzzy distance 1", peers.tantivy_fuzzy, tan, typo)
        typo_cost += times["ours typo"][-1]
        right_cost += times["ours same, spelt right"][-1]
        fixed += got.did_you_mean == right
    for q in sets["requests"]:
        timed("ours request", idx.search, q)
        timed("fts5 request same work", peers.fts5_same_work, db, q)
        if tan is not None:
            timed("tantivy request same work", peers.tantivy_same_work, tan, q)
    after = rss_mb()
    print(f"typo queries: {len(sets['typos'])}, corrected back to the query as spelt right "
          f"in {fixed}; CPU typo / spelt right: {typo_cost / right_cost:.2f}x (sums)")
    print("CPU per query (p50 / p95 / p99 / max):")
    for key, values in times.items():
        print(f"  {key:<34} p50 {ms(percentile(values, 50)):>10}  p95 "
              f"{ms(percentile(values, 95)):>10}  p99 {ms(percentile(values, 99)):>10}  max "
              f"{ms(max(values)):>10}")
    for ours, peer in (("ours box", "fts5 box (top 10 + snippet)"),
                       ("ours box", "fts5 box same work (+count, OR)"),
                       ("ours request", "fts5 request same work"),
                       ("ours typo", "ours same, spelt right")):
        print(f"  p50 {ours} / {peer}: "
              f"{percentile(times[ours], 50) / percentile(times[peer], 50):.2f}x")
    print(f"query side RSS: {base:.0f} MB before opening ours, {after:.0f} MB after all queries "
          f"(+{after - base:.0f} MB; fts5's page cache adds at most 2 MB of that)")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    started = time.perf_counter()
    print(f"start: {load()}, {os.cpu_count()} cores; tantivy "
          f"{'installed' if peers.HAVE_TANTIVY else 'not installed'}")
    corpus = ITCorpus(args.seed)
    articles = [corpus.article(n) for n in range(1, args.articles + 1)]
    box = [corpus.query() for _ in range(args.queries)]
    typos = [(q, t) for q in box if (t := corpus.misspell(q))]
    sample = articles[:2000]
    shares = {w: 100 * sum(w in f"{a.title} {a.text}".lower().split() for a in sample) / len(sample)
              for w in COMMON}
    print(f"corpus: {len(articles)} articles, seed {args.seed}; common words in % of articles: "
          + ", ".join(f"{w} {s:.0f}" for w, s in shares.items()))
    folder = Path(tempfile.mkdtemp(prefix="kb-search-bench-"))
    try:
        build(articles, corpus, folder)
        (folder / "queries.json").write_text(json.dumps(
            {"box": box, "typos": typos, "requests": requests(args.queries // 2)}))
        print(f"-- queries, in a fresh process that opens the built indexes ({load()})")
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--serve", str(folder)], check=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"end: {load()}; bench wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
