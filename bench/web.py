"""Page speed under gunicorn, beside a bare Flask app serving the same bytes, in one run.

    python bench/web.py [--seconds 3] [--rounds 3] [--connections 4]

The site runs as the Procfile starts it (gunicorn.conf.py: 2 sync workers, preloaded) on a
fresh instance folder (migrated, indexed). Each page is fetched once, and a bare Flask app
(also gunicorn, 2 sync workers) returns exactly those bytes. ``wrk`` then loads site and bare
page by turns, page after page, for several rounds (peers interleaved, so a busy neighbour
hurts both); the figures are medians over rounds. Searches rotate over short real phrasings
from tests/relevance.yml. Rate limits are off (every request would otherwise become a 429).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SITE_PORT, BARE_PORT = int(os.environ.get("BENCH_PORT", "5201")), int(
    os.environ.get("BENCH_PORT", "5201")) + 1


def bare_app() -> Any:
    """The peer: Flask returning the stored bytes of each page (gunicorn 'web:bare_app()')."""
    from flask import Flask, Response

    folder = Path(os.environ["BENCH_BARE_DIR"])
    pages = {p.stem: (p.read_bytes(), "application/json" if p.suffix == ".json"
                      else "text/html; charset=utf-8") for p in folder.iterdir()}
    app = Flask("bare")

    @app.get("/<name>")
    def page(name: str) -> Response:
        body, kind = pages[name]
        return Response(body, content_type=kind)

    return app


def queries(limit: int = 24) -> list[str]:
    """Short phrasings people typed (tests/relevance.yml, sources in that file)."""
    import yaml

    rows = yaml.safe_load((ROOT / "tests" / "relevance.yml").read_text(encoding="utf-8"))
    short = [r["query"] for r in rows if len(r["query"]) <= 48]
    return short[:: max(1, len(short) // limit)][:limit]


def wrk_script(path: Path, base: str, items: list[str]) -> Path:
    """A wrk Lua script that rotates over ``items`` appended to ``base``."""
    quoted = ",".join('"' + base + urllib.parse.quote_plus(q) + '"' for q in items)
    script = path / f"rotate-{abs(hash(base))}.lua"
    script.write_text(f"local paths = {{{quoted}}}\nlocal i = 0\n"
                      "request = function()\n  i = i % #paths + 1\n"
                      "  return wrk.format('GET', paths[i])\nend\n")
    return script


def run_wrk(url: str, seconds: float, connections: int, script: Path | None = None
            ) -> tuple[float, float, int]:
    """(requests per second, p99 ms, non-2xx/3xx responses)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99 = float(p99m.group(1)) * unit[p99m.group(2)] if p99m else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(bad.group(1)) if bad else 0


def wait_ready(url: str, timeout: float = 120.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} not ready after {timeout:.0f} s")


def workers_memory(master: int) -> list[tuple[int, float, float]]:
    """(pid, RSS MB, PSS MB) of each gunicorn worker: PSS counts shared pages once."""
    out = []
    kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                          text=True).stdout.split()
    for pid in map(int, kids):
        fields: dict[str, float] = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value = line.split(":", 1)
            fields[name] = float(value.split()[0]) / 1024
        out.append((pid, fields.get("Rss", 0.0), fields.get("Pss", 0.0)))
    return out


def gunicorn(app: str, port: int, env: dict[str, str], folder: Path, *extra: str
             ) -> subprocess.Popen[bytes]:
    cmd = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
           "warning", "--pid", str(folder / f"gunicorn-{port}.pid"), *extra, app]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def uptime() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    folder = Path(tempfile.mkdtemp(prefix="kb-web-bench-"))
    bare_dir = folder / "bare"
    bare_dir.mkdir()
    env = {**os.environ, "KB_INSTANCE_PATH": str(folder / "instance"),
           "KB_RATELIMIT_ENABLED": "false", "FLASK_APP": "kb:create_app",
           "BENCH_BARE_DIR": str(bare_dir), "PYTHONPATH": str(ROOT)}
    env.pop("KB_REDIS_URL", None)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for step in (["db", "upgrade"], ["kb", "index", "--if-stale"]):
            subprocess.run([str(BIN / "flask"), *step], env=env, cwd=ROOT, check=True,
                           capture_output=True)
        site = f"http://127.0.0.1:{SITE_PORT}"
        procs.append(gunicorn("kb:create_app()", SITE_PORT, env, folder, "-c",
                              "gunicorn.conf.py"))
        ready = wait_ready(site + "/readyz")
        print(f"site ready in {ready:.2f} s; load {uptime()}")
        qs = queries()
        article = "/articles/1"
        with urllib.request.urlopen(site + article) as resp:  # follow to the slugged URL
            article = urllib.parse.urlsplit(resp.url).path
        pages = {
            "home": ("/", None),
            "article": (article, None),
            "search": ("/search?q=", qs),
            "api": ("/api/v1/search?q=", qs),
            "wizard": ("/wizards/printer", None),
        }
        scripts: dict[str, Path | None] = {}
        for name, (path, items) in pages.items():
            url = site + path + (urllib.parse.quote_plus(items[0]) if items else "")
            with urllib.request.urlopen(url) as resp:
                body = resp.read()
            suffix = ".json" if name == "api" else ".html"
            (bare_dir / f"{name}{suffix}").write_bytes(body)
            scripts[name] = wrk_script(folder, path, items) if items else None
        bare = f"http://127.0.0.1:{BARE_PORT}"
        (folder / "bare.conf.py").write_text("")  # gunicorn's defaults, not gunicorn.conf.py
        procs.append(gunicorn("web:bare_app()", BARE_PORT, env, folder, "-c",
                              str(folder / "bare.conf.py"),
                              "--pythonpath", str(ROOT / "bench")))
        wait_ready(bare + "/home")
        for name, (path, _items) in pages.items():  # warm both (first searcher, caches)
            run_wrk(site + path, 1, args.connections, scripts[name])
            run_wrk(f"{bare}/{name}", 1, args.connections)

        rows: dict[str, list[tuple[float, float, float, float, int]]] = {n: [] for n in pages}
        load_before = uptime()
        for _round in range(args.rounds):
            for name, (path, _items) in pages.items():
                s_rps, s_p99, s_bad = run_wrk(site + path, args.seconds, args.connections,
                                              scripts[name])
                b_rps, b_p99, _ = run_wrk(f"{bare}/{name}", args.seconds, args.connections)
                rows[name].append((s_rps, b_rps, s_p99, b_p99, s_bad))
        load_after = uptime()

        print(f"wrk -t1 -c{args.connections} -d{args.seconds:g}s, {args.rounds} rounds, "
              f"site and bare by turns; load (1/5/15 min) before {load_before}, "
              f"after {load_after}")
        print(f"{'page':<8} {'bytes':>6} {'site r/s':>9} {'bare r/s':>9} {'ratio':>6} "
              f"{'p99 site':>9} {'p99 bare':>9} {'errors':>6}")
        for name, runs in rows.items():
            size = next(bare_dir.glob(f"{name}.*")).stat().st_size
            med = statistics.median
            ratio = med(r[0] / r[1] for r in runs)
            print(f"{name:<8} {size:>6} {med(r[0] for r in runs):>9.0f} "
                  f"{med(r[1] for r in runs):>9.0f} {ratio:>5.3f}x "
                  f"{med(r[2] for r in runs):>7.1f}ms {med(r[3] for r in runs):>7.1f}ms "
                  f"{sum(r[4] for r in runs):>6}")
        for label, proc in (("site", procs[0]), ("bare", procs[1])):
            mem = workers_memory(proc.pid)
            print(f"{label} workers: " + ", ".join(
                f"RSS {rss:.0f} MB (PSS {pss:.0f} MB)" for _pid, rss, pss in mem))
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
