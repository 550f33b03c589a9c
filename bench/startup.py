"""Start-up at 57 and 20,000 articles: `flask db upgrade`, the index build, and a gunicorn
worker ready (its first search answered), as `make run` and production start them.

    python bench/startup.py [--sizes 57,20000] [--keep DIR]

``--keep DIR`` keeps each generated KB with its built index in DIR/<size> for the next run
(the 20,000-article build takes minutes; it is timed the first time only). The start with
the index missing is timed for KBs of up to 1,000 articles (a 20k build is the index
benchmark's business, bench/search.py); the start path is the same at any size.

The 20,000-article KB is the bundled articles plus files written from bench/search.py's
Corpus (same seed: same files), in the bundled categories. Each figure is wall time of the
command; load (1/5/15 min) is printed beside each size.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parents[1])
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("BENCH_PORT", "5210"))


def corpus(seed: int = 7):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Corpus(seed)


def write_kb(folder: Path, size: int) -> Path:
    """An articles folder of ``size`` files: the bundled ones, then generated ones."""
    import yaml

    articles = folder / "articles"
    shutil.copytree(ROOT / "articles", articles)
    bundled = [p for p in articles.glob("*.md") if not p.name.startswith("_")]
    cats = [c["id"] for c in yaml.safe_load((articles / "_categories.yml").read_text())]
    gen = corpus()
    for number in range(1000, 1000 + max(0, size - len(bundled))):
        a = gen.article(number)
        tags = ", ".join(a.tags)
        (articles / f"gen-{number}.md").write_text(
            f"---\nid: {number}\ntitle: {a.title}\nsummary: {a.summary}\n"
            f"category: {cats[number % len(cats)]}\ntags: [{tags}]\naudience: {a.audience}\n"
            f"owner: Bench\nreviewed: 2026-11-01\nreview_every: 365\n---\n"
            f"## What you see\n\n{a.body}\n", encoding="utf-8")
    return articles


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    return time.monotonic() - started


def worker_ready(env: dict[str, str], folder: Path, query: str) -> float:
    """Seconds from starting gunicorn as the Procfile does (gunicorn.conf.py: 2 sync workers,
    preloaded) to a search answered with hits."""
    cmd = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{PORT}",
           "--log-level", "warning", "--pid", str(folder / "gunicorn.pid"), "kb:create_app()"]
    url = f"http://127.0.0.1:{PORT}/api/v1/search?q={urllib.parse.quote_plus(query)}"
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    try:
        while time.monotonic() - started < 600:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    if b'"total":0' not in resp.read().replace(b" ", b""):
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("no worker ready in 600 s")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="57,20000")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        if args.keep:
            folder = args.keep / str(size)
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = Path(tempfile.mkdtemp(prefix="kb-startup-bench-"))
        try:
            articles = folder / "articles"
            if not articles.is_dir():
                write_kb(folder, size)
            for old in (folder / "instance").glob("kb.sqlite3*"):
                old.unlink()  # a new database every run
            count = sum(1 for p in articles.glob("*.md") if not p.name.startswith("_"))
            env = {**os.environ, "KB_INSTANCE_PATH": str(folder / "instance"),
                   "KB_ARTICLES_DIR": str(articles),
                   "KB_GLOSSARY_FILE": str(articles / "_glossary.yml"),
                   "FLASK_APP": "kb:create_app", "KB_RATELIMIT_ENABLED": "false"}
            env.pop("KB_REDIS_URL", None)
            flask = str(BIN / "flask")
            print(f"{count} articles (load {load()}):", flush=True)
            steps = [("flask db upgrade, new database", ["db", "upgrade"]),
                     ("flask kb index --if-stale, no index", ["kb", "index", "--if-stale"]),
                     ("flask kb index --if-stale, up to date", ["kb", "index", "--if-stale"]),
                     ("flask db upgrade, up to date", ["db", "upgrade"])]
            built = (folder / "instance" / "index").exists()
            for label, step in steps:
                if built and label.endswith("no index"):
                    print(f"  {label:<40}  (built by an earlier run, kept)")
                    continue
                print(f"  {label:<40} {timed([flask, *step], env):7.2f} s", flush=True)
            ready = worker_ready(env, folder, "printer offline")
            print(f"  {'gunicorn (2 workers) to a search answered':<40} {ready:7.2f} s",
                  flush=True)
            if count > 1000:
                continue
            (folder / "instance" / "index").unlink()  # the link to the current version
            for p in (folder / "instance").glob(".index*"):
                shutil.rmtree(p, ignore_errors=True)
            ready = worker_ready(env, folder, "printer offline")
            print(f"  {'the same with the index missing':<40} {ready:7.2f} s  (load {load()})")
        finally:
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
