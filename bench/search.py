"""Search benchmark: our Whoosh index against SQLite FTS5 on the same synthetic corpus.

    python bench/search.py [--articles N] [--queries M] [--seed S]

The corpus is topical, like a help desk's: 500 topics of 40 words each, 8,000 general words with
a Zipf frequency; a body has 300 words, 15 % from its topic. Figures are printed as plain lines.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.core.content.article import Article  # noqa: E402
from kb.core.search import SearchIndex  # noqa: E402

TOPICS, TOPIC_WORDS, GENERAL_WORDS = 500, 40, 8_000
BODY_WORDS, TOPICAL_SHARE = 300, 0.15
CATEGORIES = 20
ENOUGH = 3  # same AND -> OR fallback threshold as kb.core.search


class Corpus:
    """Deterministic words, articles and queries from one seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        vocab = self._words(TOPICS * TOPIC_WORDS + GENERAL_WORDS)
        self.topics = [vocab[i * TOPIC_WORDS:(i + 1) * TOPIC_WORDS] for i in range(TOPICS)]
        self.general = vocab[TOPICS * TOPIC_WORDS:]
        self.general_cum = list(accumulate(1.0 / rank for rank in range(1, GENERAL_WORDS + 1)))
        # Inside a topic some words are more central than others (mild Zipf).
        self.topic_cum = list(accumulate(1.0 / rank ** 0.7 for rank in range(1, TOPIC_WORDS + 1)))

    def _words(self, count: int) -> list[str]:
        onsets = "b c d f g h j k l m n p r s t v w z br cl dr fl gr pl pr sk st tr".split()
        vowels = "a e i o u ai ea ou".split()
        codas = ["", "", "n", "r", "s", "t", "l", "m"]
        seen: set[str] = set()
        out: list[str] = []
        while len(out) < count:
            syllables = self.rng.choice((2, 2, 3, 3, 4))
            w = "".join(self.rng.choice(onsets) + self.rng.choice(vowels) + self.rng.choice(codas)
                        for _ in range(syllables))
            if w not in seen:
                seen.add(w)
                out.append(w)
        return out

    def topic_words(self, topic: int, k: int) -> list[str]:
        return self.rng.choices(self.topics[topic], cum_weights=self.topic_cum, k=k)

    def general_words(self, k: int) -> list[str]:
        return self.rng.choices(self.general, cum_weights=self.general_cum, k=k)

    def mixed(self, topic: int, k: int, share: float) -> list[str]:
        n_topic = sum(self.rng.random() < share for _ in range(k))
        words = self.topic_words(topic, n_topic) + self.general_words(k - n_topic)
        self.rng.shuffle(words)
        return words

    def body(self, topic: int) -> str:
        words = self.mixed(topic, BODY_WORDS, TOPICAL_SHARE)
        sentences = [" ".join(words[i:i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
        paragraphs = [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
        return "\n\n".join(paragraphs)

    def article(self, number: int) -> Article:
        topic = self.rng.randrange(TOPICS)
        title = " ".join(self.mixed(topic, self.rng.randint(4, 8), 0.7)).capitalize()
        summary = " ".join(self.mixed(topic, 15, 0.4)).capitalize() + "."
        body = self.body(topic)
        tags = tuple(dict.fromkeys(self.topic_words(topic, 3)))
        audience = "internal" if self.rng.random() < 0.05 else "public"
        category = f"cat{topic % CATEGORIES}"
        digest = hashlib.sha1(f"{title}|{summary}|{tags}|{audience}|{body}".encode()).hexdigest()
        return Article(id=number, title=title, summary=summary, category=category, body=body,
                       tags=tags, audience=audience, digest=digest)

    def query(self) -> str:
        topic = self.rng.randrange(TOPICS)
        size = self.rng.choice((1, 2, 2, 2, 3, 3, 4))
        return " ".join(self.mixed(topic, size, 0.85))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def build_whoosh(articles: list[Article], corpus: Corpus, folder: Path) -> SearchIndex:
    idx = SearchIndex(folder / "index")
    t = time.perf_counter()
    count = idx.rebuild(articles)
    print(f"whoosh full build: {count} articles in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    changed = idx.sync(articles)
    print(f"whoosh sync with nothing changed: {ms(time.perf_counter() - t)}, re-indexed {changed}")

    victim = articles[len(articles) // 2]
    new_body = corpus.body(0)
    articles[len(articles) // 2] = replace(
        victim, body=new_body, digest=hashlib.sha1(new_body.encode()).hexdigest())
    t = time.perf_counter()
    changed = idx.sync(articles)
    print(f"whoosh sync after changing one article: {ms(time.perf_counter() - t)}, "
          f"re-indexed {changed}")
    return idx


def build_fts5(articles: list[Article], folder: Path) -> sqlite3.Connection:
    db = sqlite3.connect(folder / "fts.sqlite3")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, summary, tags, body,"
               " audience UNINDEXED, tokenize='porter unicode61')")
    t = time.perf_counter()
    db.executemany("INSERT INTO docs(rowid, title, summary, tags, body, audience) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   ((a.id, a.title, a.summary, " ".join(a.tags), a.text, a.audience)
                    for a in articles))
    db.commit()
    print(f"fts5 full build: {len(articles)} articles in {time.perf_counter() - t:.1f} s")
    return db


FTS_TOP = ("SELECT rowid, title, summary, snippet(docs, 3, '<mark>', '</mark>', '…', 24) "
           "FROM docs WHERE docs MATCH ? AND audience = 'public' "
           "ORDER BY bm25(docs, 3.0, 2.0, 2.0, 1.0) LIMIT 10")
FTS_COUNT = "SELECT count(*) FROM docs WHERE docs MATCH ? AND audience = 'public'"


def fts5_plain(db: sqlite3.Connection, q: str) -> list[int]:
    """What FTS5 is usually asked: all the words (implicit AND), best 10 with snippets."""
    match = " ".join('"' + w.replace('"', '""') + '"' for w in q.split())
    return [row[0] for row in db.execute(FTS_TOP, (match,)).fetchall()]


def fts5_same_work(db: sqlite3.Connection, q: str) -> int:
    """The work our search does: exact total too, and OR when AND finds fewer than ENOUGH."""
    terms = ['"' + w.replace('"', '""') + '"' for w in q.split()]
    match = " ".join(terms)
    total = db.execute(FTS_COUNT, (match,)).fetchone()[0]
    db.execute(FTS_TOP, (match,)).fetchall()
    if total < ENOUGH and len(terms) > 1:
        match = " OR ".join(terms)
        total = db.execute(FTS_COUNT, (match,)).fetchone()[0]
        db.execute(FTS_TOP, (match,)).fetchall()
    return int(total)


def run_queries(idx: SearchIndex, db: sqlite3.Connection,
                queries: list[str]) -> dict[str, list[float]]:
    """Each query on each engine in turn, so a busy machine slows both alike."""
    t = time.perf_counter()
    idx.search(queries[0])
    print(f"whoosh first search (opens the searcher): {ms(time.perf_counter() - t)}")
    fts5_plain(db, queries[0])
    times: dict[str, list[float]] = {"whoosh": [], "fts5": [], "fts5+count+or": []}
    totals, empty, same_top = [], 0, 0
    for q in queries:
        t = time.perf_counter()
        res = idx.search(q)
        times["whoosh"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fts_ids = fts5_plain(db, q)
        times["fts5"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fts5_same_work(db, q)
        times["fts5+count+or"].append(time.perf_counter() - t)
        totals.append(res.total)
        empty += res.total == 0
        same_top += bool(res.hits and fts_ids and res.hits[0].id == fts_ids[0])
    print(f"whoosh queries: {len(queries)}, median total {statistics.median(totals):.0f}, "
          f"{empty} with no result, same top hit as fts5 in {same_top}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = t = time.perf_counter()
    corpus = Corpus(args.seed)
    articles = [corpus.article(n) for n in range(1, args.articles + 1)]
    queries = [corpus.query() for _ in range(args.queries)]
    print(f"corpus: {len(articles)} articles, {len(queries)} queries, seed {args.seed}, "
          f"made in {time.perf_counter() - t:.1f} s")

    folder = Path(tempfile.mkdtemp(prefix="kb-search-bench-"))
    try:
        idx = build_whoosh(articles, corpus, folder)
        db = build_fts5(articles, folder)
        timings = run_queries(idx, db, queries)
        db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print("latency per query (p50 / p95 / max):")
    labels = {"whoosh": "whoosh search() with highlights",
              "fts5": "fts5 MATCH + bm25 + snippet() top 10",
              "fts5+count+or": "fts5 + count(*) + OR fallback"}
    for key, label in labels.items():
        values = timings[key]
        print(f"  {label:<40} p50 {ms(percentile(values, 50)):>9}   "
              f"p95 {ms(percentile(values, 95)):>9}   max {ms(max(values)):>9}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")
    print(f"bench wall time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
