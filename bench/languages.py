"""What a second language costs: create_app on a fresh instance (articles loaded, indexes
built from nothing) with one language and with two, interleaved; then GET /search in English
and in French on the same warm app. Prints numbers; nothing is asserted.

    .venv/bin/python bench/languages.py
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from typing import Any

from kb import create_app

SHM = "/dev/shm" if os.path.isdir("/dev/shm") else None


def build(langs: list[str]) -> tuple[float, Any]:
    folder = tempfile.mkdtemp(prefix="kb-bench-lang-", dir=SHM)
    atexit.register(shutil.rmtree, folder, True)
    start = time.perf_counter()
    app = create_app({"INSTANCE_PATH": folder, "LANGUAGES": langs})
    return time.perf_counter() - start, app


def main() -> None:
    build(["en"])
    build(["en", "fr"])  # imports and the render cache warm for both
    times: dict[str, list[float]] = {"en": [], "en,fr": []}
    for _ in range(3):
        for langs in (["en"], ["en", "fr"]):
            times[",".join(langs)].append(build(langs)[0])
    for key, values in times.items():
        print(f"create_app, fresh instance, LANGUAGES={key}: best {min(values):.2f} s "
              f"of {[round(v, 2) for v in values]}")
    _, app = build(["en", "fr"])
    with app.app_context():
        from kb.extensions import db

        db.create_all()
    client = app.test_client()
    queries = (("en", "printer+offline"), ("fr", "imprimante+hors+ligne"))
    for lang, q in queries:
        client.get(f"/search?q={q}", headers={"Accept-Language": lang})
    for round_no in range(3):
        for lang, q in queries:
            start = time.perf_counter()
            for _ in range(20):
                client.get(f"/search?q={q}", headers={"Accept-Language": lang})
            ms = (time.perf_counter() - start) / 20 * 1000
            print(f"round {round_no}: GET /search ({lang}) {ms:.1f} ms")


if __name__ == "__main__":
    main()
