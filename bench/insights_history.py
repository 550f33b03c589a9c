"""Insights on a year of generated history, on PostgreSQL.

    python bench/insights_history.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
        [--searches 1000000] [--events 200000] [--tickets 50000] [--days 365] [--keep]

Creates a database of its own (``kb_bench_insights_<random>``; dropped afterwards unless
``--keep``), builds the tables with the Alembic migrations, fills them with COPY: searches
from browsers that search one to five times, views of the results they open, wizard runs
walked through the real wizard files (some people leave part-way, some are handed off), and
tickets, a share of them from browsers that searched or ran a wizard shortly before (those
visits carry the seconds to the ticket, as kb.core.searchlog.mark_followed writes them). Rows
go in in time order, as a live site writes them. Then it signs in a lead and times
``/agent/insights?days=90`` (every section) and each section. Figures are printed as plain
lines; the target is under 1 s for the page.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
import zlib
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

CATEGORIES = ["passwords", "email", "printing", "network", "computer", "hardware", "meetings",
              "files", "software", "security"]
PRIORITIES = [("P1", 1, 4, 0.03), ("P2", 2, 8, 0.17), ("P3", 4, 24, 0.6), ("P4", 8, 40, 0.2)]
WORDS = """printer offline paper jam toner scan wifi vpn password reset locked account outlook
email calendar invite teams camera microphone sound headset laptop charging battery dock
monitor screen flicker keyboard mouse slow frozen update disk full onedrive shared drive
folder deleted file restore browser popup install software licence phishing mfa code phone
""".split()
NONSENSE = ["zorbex", "quillfen", "bramblet", "snarkel", "vindle", "plomb", "krixa"]
TYPOS = {"printer": "priner", "password": "pasword", "outlook": "outlok", "offline": "ofline",
         "keyboard": "keybord", "monitor": "moniter", "calendar": "calender"}
NOW = datetime.utcnow().replace(microsecond=0)


def log(*parts: Any) -> None:
    print(*parts, flush=True)


class History:
    """Deterministic generated history (one seed). Rows go in with COPY in time order, as a
    live site writes them (so one period's rows sit together on disk, as they would)."""

    def __init__(self, conn: psycopg.Connection[Any], args: argparse.Namespace) -> None:
        self.conn, self.args = conn, args
        self.rng = random.Random(args.seed)
        self.start = NOW - timedelta(days=args.days)
        self.groups = self._groups(3000)
        self.cum = list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(self.groups))))
        # (when, browser key or None, category) of every ticket, made in time order at the end
        self.pending: list[tuple[datetime, int | None, str]] = []
        self.pending_runs: list[tuple[datetime, int, str, int]] = []  # the same, for runs

    def _groups(self, n: int) -> list[tuple[str, str, bool, str]]:
        """(typed text, normalised words, found nothing, category) for n search groups."""
        out = []
        for i in range(n):
            k = self.rng.choice((1, 2, 2, 3))
            picked = sorted(set(self.rng.sample(WORDS, k)))
            nothing = i % 12 == 5
            if nothing:
                picked = sorted({*picked[:1], self.rng.choice(NONSENSE) + str(i)})
            typed = " ".join(TYPOS.get(w, w) if self.rng.random() < 0.1 else w for w in picked)
            words = " ".join(picked)
            out.append((typed, words, nothing,
                        CATEGORIES[zlib.crc32(words.encode()) % len(CATEGORIES)]))
        return out

    def when(self) -> datetime:
        """A moment in the year, mostly on working days in working hours."""
        while True:
            t = self.start + timedelta(seconds=self.rng.uniform(0, self.args.days * 86400))
            if t.weekday() < 5 and 7 <= t.hour < 19 or self.rng.random() < 0.08:
                return t

    def starts(self, n: int) -> list[datetime]:
        return sorted(self.when() for _ in range(n))

    @staticmethod
    def after(t: datetime, ticket: datetime | None) -> int | None:
        """Seconds from a visit to the browser's ticket, when it came within 24 hours."""
        if ticket is None or ticket < t or ticket - t > timedelta(hours=24):
            return None
        return int((ticket - t).total_seconds())

    # ---------------------------------------------------------------- searches and views
    def searches(self) -> None:
        cols = ("text normalised category topic result_count shown_ids did_you_mean confident "
                "clicked_article_id clicked_position latency_ms session_key ticket_after_s "
                "source created_at")
        made = 0
        views: list[tuple[Any, ...]] = []
        sizes: list[int] = []  # searches per browser, then one start time each, in order
        left = self.args.searches
        while left > 0:
            sizes.append(min(self.rng.choice((1, 1, 2, 2, 3, 4, 5)), left))
            left -= sizes[-1]
        with self.conn.cursor() as cur, cur.copy(
                f"COPY search_log ({', '.join(cols.split())}) FROM STDIN") as copy:
            for size, t in zip(sizes, self.starts(len(sizes)), strict=True):
                key = self.rng.getrandbits(62) or 1
                rows = []
                for _ in range(size):
                    rows.append((self.rng.choices(self.groups, cum_weights=self.cum)[0], t))
                    t += timedelta(seconds=self.rng.randint(20, 400))
                ticket = None
                if self.rng.random() < 0.075:  # this browser sends a ticket afterwards
                    ticket = t + timedelta(minutes=self.rng.choice((3, 10, 25, 90, 600, 2000)))
                    self.pending.append((ticket, key, rows[-1][0][3]))
                for (typed, words, nothing, cat), at in rows:
                    shown = [] if nothing else self.rng.sample(range(1, 90), 5)
                    confident = not nothing and self.rng.random() < 0.8
                    pos = None
                    if shown and self.rng.random() < (0.6 if confident else 0.3):
                        pos = min(5, int(self.rng.expovariate(1.1)) + 1)
                    clicked = shown[pos - 1] if pos else None
                    made += 1
                    copy.write_row((typed, words, None, None if nothing else cat,
                                    0 if nothing else self.rng.randint(1, 12),
                                    ",".join(map(str, shown)), None, confident, clicked, pos,
                                    self.rng.randint(8, 120), key, self.after(at, ticket),
                                    "public", at))
                    if clicked:
                        seen = at + timedelta(seconds=5)
                        views.append((clicked, made, key, self.after(seen, ticket), seen))
        with self.conn.cursor() as cur, cur.copy(
                "COPY article_view (article_id, search_id, session_key, ticket_after_s, "
                "created_at) FROM STDIN") as copy:
            for row in views:
                copy.write_row(row)
        log(f"searches: {made:,}  article views: {len(views):,}")

    # ---------------------------------------------------------------- wizards
    def wizard_runs(self, wizards: list[Any]) -> None:
        events: list[tuple[Any, ...]] = []
        runs: list[tuple[Any, ...]] = []
        # Runs are made first with times from zero, then each gets a start, in order.
        start = datetime(2000, 1, 3)
        while len(events) < self.args.events:
            run_id = len(runs) + 1
            key, t = self.rng.getrandbits(62) or 1, start
            if self.rng.random() < 0.08:  # the general question, taken by no wizard
                text = f"my {self.rng.choice(NONSENSE)} keeps beeping"
                runs.append((run_id, secrets.token_urlsafe(24), "_general", "unmatched", t))
                events.append((run_id, "_general", "start", "unmatched", text, None, key, None,
                               t))
                continue
            wizard = self.rng.choice(wizards)
            node_id, outcome, steps = wizard.start, None, []
            for _step in range(12):
                node = wizard.nodes[node_id]
                steps.append((node_id, "visit", None, t))
                t += timedelta(seconds=self.rng.randint(10, 90))
                if node.type in ("resolved", "handoff", "goto"):
                    outcome = {"resolved": "resolved", "handoff": "handoff"}.get(node.type, "goto")
                    if outcome != "handoff" or self.rng.random() < 0.85:
                        steps.append((node_id, outcome, None, t))
                    break
                if self.rng.random() < 0.12:  # left here
                    break
                label, nxt = self._answer(node)
                if not nxt or nxt not in wizard.nodes:
                    break
                steps.append((node_id, "answer", label, t))
                node_id = nxt
            ticket = None
            if steps[-1][1] == "handoff":
                ticket = t + timedelta(minutes=self.rng.choice((2, 4, 8)))
                self.pending_runs.append((ticket, key, wizard.category or "other", run_id))
            for nid, kind, value, at in steps:
                events.append((run_id, wizard.id, nid, kind, value, wizard.version, key,
                               self.after(at, ticket), at))
            runs.append((run_id, secrets.token_urlsafe(24), wizard.id, outcome, t))
        shift = dict(zip(range(1, len(runs) + 1),
                         (t - start for t in self.starts(len(runs))), strict=True))
        events = sorted(((*e[:-1], e[-1] + shift[e[0]]) for e in events), key=lambda e: e[-1])
        runs = [(*r[:-1], r[-1] + shift[r[0]]) for r in runs]
        self.pending += [(t + shift[rid], key, cat) for t, key, cat, rid in self.pending_runs]
        with self.conn.cursor() as cur:
            with cur.copy("COPY wizard_run (id, key, wizard_id, state, outcome, created_at, "
                          "updated_at) FROM STDIN") as copy:
                for rid, k, wid, outcome, t in runs:
                    copy.write_row((rid, k, wid, json.dumps({}), outcome, t, t))
            with cur.copy("COPY wizard_event (run_id, wizard_id, node_id, kind, value, version, "
                          "session_key, ticket_after_s, created_at) FROM STDIN") as copy:
                for row in events:
                    copy.write_row(row)
            cur.execute("SELECT setval('wizard_run_id_seq', (SELECT max(id) FROM wizard_run))")
        log(f"wizard runs: {len(runs):,}  wizard events: {len(events):,}")

    def _answer(self, node: Any) -> tuple[str, str]:
        if node.type == "choice" and node.options:
            option = self.rng.choice(node.options)
            return option.label, option.next
        if node.type in ("step", "article"):
            worked = self.rng.random() < 0.45
            return ("Yes, that worked", node.yes) if worked else \
                ("No, it did not work", node.no)
        if node.type == "open":
            target = node.routes[0].next if node.routes and self.rng.random() < 0.5 \
                else node.next
            return "it does not work", target
        return "", ""

    # ---------------------------------------------------------------- tickets
    def tickets(self) -> None:
        agents = self._agents()
        ticket_cols = ("token summary summary_words description transcript name email category "
                       "impact urgency priority team assignee_id receipt resolution rating "
                       "respond_by resolve_by first_response_at last_touched_at resolved_at "
                       "closed_at status session_key created_at")
        keyed = [p for p in self.pending if p[0] < NOW][: self.args.tickets]
        rest = [(self.when(), None, self.rng.choice(CATEGORIES))
                for _ in range(self.args.tickets - len(keyed))]
        every = sorted(keyed + rest, key=lambda p: p[0])
        events: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        weights = [p[3] for p in PRIORITIES]
        with self.conn.cursor() as cur, cur.copy(
                f"COPY ticket ({', '.join(ticket_cols.split())}) FROM STDIN") as copy:
            for tid, (created, key, category) in enumerate(every, start=1):
                prio, respond, resolve, _w = self.rng.choices(PRIORITIES, weights)[0]
                respond_by = created + timedelta(hours=respond * 1.6)
                resolve_by = created + timedelta(hours=resolve * 1.8)
                answered = created + timedelta(hours=self.rng.uniform(0.1, respond * 2.2))
                done = self.rng.random() < 0.9 and created < NOW - timedelta(days=2)
                resolved = created + timedelta(hours=self.rng.uniform(0.5, resolve * 2.5)) \
                    if done else None
                status = self.rng.choice(("resolved", "closed", "closed")) if done \
                    else self.rng.choice(("new", "in progress", "waiting on user"))
                rating = self.rng.choice((5, 5, 4, 4, 4, 3, 2, 1)) \
                    if done and self.rng.random() < 0.3 else None
                # Summaries in the words people search with (the worklist's ticket clusters).
                typed, words = self.rng.choices(self.groups, cum_weights=self.cum)[0][:2]
                copy.write_row((
                    secrets.token_urlsafe(24), typed, words, "", "[]", "Sam Jones",
                    "sam@example.org", category, "me", "normal", prio,
                    "Help desk", self.rng.choice(agents), secrets.token_urlsafe(24),
                    "Fixed it." if done else None, rating, respond_by, resolve_by, answered,
                    resolved or answered, resolved,
                    resolved if status == "closed" else None, status, key, created))
                events.append((tid, "created", created))
                if resolved:
                    events.append((tid, "resolved", resolved))
                    if self.rng.random() < 0.06:
                        events.append((tid, "reopened", resolved + timedelta(hours=3)))
                    if self.rng.random() < 0.65:
                        links.append((tid, self.rng.randint(1, 89), resolved))
        with self.conn.cursor() as cur:
            with cur.copy("COPY ticket_event (ticket_id, kind, body, author, public, "
                          "created_at) FROM STDIN") as copy:
                for tid, kind, t in events:
                    copy.write_row((tid, kind, "", "", True, t))
            with cur.copy("COPY ticket_article (ticket_id, article_id, created_at) "
                          "FROM STDIN") as copy:
                for row in links:
                    copy.write_row(row)
            with cur.copy("COPY feedback (article_id, helpful, reason, created_at) "
                          "FROM STDIN") as copy:
                for t in self.starts(self.args.tickets // 2):
                    helpful = self.rng.random() < 0.7
                    copy.write_row((self.rng.randint(1, 89), helpful,
                                    None if helpful else "The steps did not match my screen.",
                                    t))
        log(f"tickets: {len(every):,} ({len(keyed):,} from a browser that searched or ran a "
            f"wizard)  ticket events: {len(events):,}  links: {len(links):,}")
        self.decisions(agents)

    def decisions(self, agents: list[int]) -> None:
        """What leads did on the worklist over the year: items assigned, snoozed and closed
        (some with a synonym or a pin), open flags; the worklist reads them per page."""
        now = NOW
        with self.conn.cursor() as cur:
            with cur.copy("COPY worklist_item (kind, key, state, assignee_id, snoozed_until, "
                          "closed_how, note, closed_at, closed_by_id, updated_at) "
                          "FROM STDIN") as copy:
                unique = list(dict.fromkeys(g[1] for g in self.groups))
                for i, words in enumerate(unique[:600]):
                    state = ("open", "snoozed", "closed")[i % 3]
                    copy.write_row(("search", words, state, self.rng.choice(agents),
                                    now + timedelta(days=7) if state == "snoozed" else None,
                                    "nothing" if state == "closed" else None, "",
                                    now - timedelta(days=40) if state == "closed" else None,
                                    agents[0] if state == "closed" else None, now))
            with cur.copy("COPY search_override (kind, words, means, article_id, created_at) "
                          "FROM STDIN") as copy:
                for i, words in enumerate(unique[600:700]):  # a made-up word for a real one
                    copy.write_row(("synonym", f"{self.rng.choice(NONSENSE)}{i}",
                                    self.rng.choice(WORDS), None, now) if i % 2
                                   else ("pin", words, None, self.rng.randint(1, 54), now))
            with cur.copy("COPY article_flag (article_id, reason, note, agent_id, open, "
                          "created_at) FROM STDIN") as copy:
                for t in self.starts(300):
                    copy.write_row((self.rng.randint(1, 54), "outdated", "Steps changed",
                                    self.rng.choice(agents), self.rng.random() < 0.3, t))
        log("worklist decisions: 600 items, 100 synonyms and pins, 300 flags")

    def _agents(self) -> list[int]:
        with self.conn.cursor() as cur:
            ids = []
            for i in range(12):
                cur.execute("INSERT INTO agent (email, name, password_hash, role, active, "
                            "failed_logins, session_token, created_at) VALUES "
                            "(%s, %s, 'x', 'agent', true, 0, %s, now()) RETURNING id",
                            (f"agent{i}@example.org", f"Agent {i}", secrets.token_hex(16)))
                row = cur.fetchone()
                assert row is not None
                ids.append(int(row[0]))
        return ids


def _timed(fn: Any, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def measure(url: str, runs: int) -> None:
    from kb import create_app
    from kb.core.staff import create_agent, find_agent
    from kb.extensions import db
    from kb.insights.panels import SECTIONS
    from kb.insights.period import parse_period
    from kb.models import utcnow
    from kb.wizards.registry import all_wizards

    folder = Path(tempfile.mkdtemp(prefix="kb-bench-insights-"))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH":
                      str(folder / "instance"), "INDEX_DIR": str(folder / "index"),
                      "RATELIMIT_ENABLED": False, "ARGON2_CHEAP": True, "WTF_CSRF_ENABLED": False,
                      "QUEUE_IMMEDIATE": True})
    with app.app_context():
        if find_agent("lead@example.org") is None:  # --reuse: made by the first run
            create_agent("lead@example.org", "Lee Lead", "correct horse battery", "lead")
            db.session.commit()  # create_agent flushes; the sign-in below is another session
    client = app.test_client()
    client.post("/agent/login", data={"email": "lead@example.org",
                                      "password": "correct horse battery"})

    def page() -> None:
        r = client.get("/agent/insights?days=90")
        assert r.status_code == 200, r.status_code

    first, _best = _timed(page, 1)  # also rolls up the final days of the period, once
    log(f"first view (templates compiled, the final weeks rolled up): {first * 1000:.0f} ms")
    median, best = _timed(page, runs)
    log(f"/agent/insights?days=90 (every section): median {median * 1000:.0f} ms, "
        f"best {best * 1000:.0f} ms over {runs} runs (target < 1000 ms)")
    with app.test_request_context("/agent/insights?days=90"):
        period = parse_period({"days": "90"}, utcnow().date())
        wizards = dict(all_wizards())
        for sid, (title, build) in SECTIONS.items():
            m, _b = _timed(lambda b=build: b(period, wizards), runs)
            log(f"  section {sid:<9} {m * 1000:6.0f} ms  ({title})")
    csv = client.get("/agent/insights?days=90&format=csv&panel=top-queries")
    log(f"CSV top-queries: {csv.status_code}, {len(csv.data):,} bytes")
    for days in (30, 90):
        def worklist(d: int = days) -> None:
            r = client.get(f"/agent/worklist?days={d}")
            assert r.status_code == 200, r.status_code

        first, _best = _timed(worklist, 1)
        median, best = _timed(worklist, runs)
        log(f"/agent/worklist?days={days}: median {median * 1000:.0f} ms, best "
            f"{best * 1000:.0f} ms over {runs} runs (first {first * 1000:.0f} ms; "
            "target < 500 ms)")
    from kb.insights import worklist as wl

    with app.test_request_context("/agent/worklist?days=30"):
        period = parse_period({"days": "30"}, utcnow().date())
        wizards = dict(all_wizards())
        for kind in wl.KIND_NAMES:
            m, _b = _timed(lambda k=kind: wl.compute(period, wizards, k), runs)
            log(f"  worklist {kind:<15} {m * 1000:6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where we may create a database")
    parser.add_argument("--searches", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", help="time an existing database (made with --keep)")
    args = parser.parse_args()
    admin_url = args.url.replace("postgresql+psycopg://", "postgresql://")
    base = admin_url.rsplit("/", 1)[0]
    name = args.reuse or f"kb_bench_insights_{secrets.token_hex(4)}"
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    if args.reuse:
        measure(url, args.runs)
        return
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    log(f"database {name}")
    try:
        build(url, f"{base}/{name}", args)
        measure(url, args.runs)
    finally:
        if args.keep:
            log(f"kept: --reuse {name} times it again; DROP DATABASE \"{name}\" removes it")
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            log(f"database {name} dropped")


def build(url: str, plain_url: str, args: argparse.Namespace) -> None:
    from flask_migrate import upgrade

    from kb import create_app

    folder = Path(tempfile.mkdtemp(prefix="kb-bench-insights-"))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH":
                      str(folder / "instance"), "INDEX_DIR": str(folder / "index"),
                      "INDEX_ON_START": False})
    with app.app_context():
        upgrade()
        from kb.wizards.registry import all_wizards

        wizards = [w for w in all_wizards().values() if w.available]
    started = time.perf_counter()
    with psycopg.connect(plain_url) as conn:
        history = History(conn, args)
        history.searches()
        history.wizard_runs(wizards)
        history.tickets()
        conn.commit()
    with psycopg.connect(plain_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"history made in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
