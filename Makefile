# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
# Browser tests drive Debian's Chromium (/usr/bin/chromium); no other browser build can be
# downloaded here. KB_TEST_CHROMIUM=/usr/bin/chromium-headless-shell (Debian's package of that
# name) runs them for about half the CPU, for local runs.
CHROMIUM ?= /usr/bin/chromium
# pytest-xdist processes (each with its own app and database): half the cores from 4 cores up.
# On a shared 2-core machine 2 workers cost ~40 % more CPU and, when busy, more time (measured
# 2026-12-01), so there the suite runs in one process; `make test WORKERS=2` to try.
CORES  := $(shell nproc 2>/dev/null || echo 1)
WORKERS ?= $(shell [ $(CORES) -ge 4 ] && echo $$(( $(CORES) / 2 )) || echo 0)
export FLASK_APP := kb:create_app

.PHONY: run worker test lint check index bench bench-web bench-startup bench-insights relevance install clean axe chromium pytest translations

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# axe-core for the accessibility checks, from the npm registry (pinned in package.json).
node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

axe: node_modules/axe-core/axe.min.js

# Chromium from Debian when it is missing: apt-get as root, otherwise say how and stop.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Chromium is missing: installing it with apt-get"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else \
	    echo "make test needs Chromium at $(CHROMIUM) for the browser tests." >&2; \
	    echo "Install it once as root:  sudo apt-get update && sudo apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; \
	fi

# The web process and the mail worker side by side (Procfile); Ctrl+C stops both.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask kb index --if-stale
	$(BIN)/honcho start -f Procfile -p $(PORT)

# The mail worker alone (e.g. on a machine of its own, or beside gunicorn).
worker: install
	$(BIN)/flask kb worker

lint: install
	$(BIN)/ruff check kb tests bench
	$(BIN)/mypy

check: install
	$(BIN)/flask kb check

index: install
	$(BIN)/flask kb index

pytest: install axe chromium
	bash tests/run-suite.sh $(BIN) -n $(WORKERS) --dist loadgroup

test: lint check pytest

# Search cost beside SQLite FTS5 and, when `pip install -e '.[bench]'` added it, tantivy; the
# figures and how they were taken are in bench/search.md.
bench: install
	$(BIN)/python bench/search.py

# Home, an article, search, the search API and a wizard step under gunicorn, each beside a bare
# Flask app serving the same bytes, in one run (needs wrk: apt-get install -y wrk).
bench-web: install
	$(BIN)/python bench/web.py

# flask db upgrade, the index and a gunicorn worker ready at 57 and 20,000 articles; the 20k KB
# and its index are kept in instance/bench-startup for the next run.
bench-startup: install
	$(BIN)/python bench/startup.py --keep instance/bench-startup

# A year of generated history on PostgreSQL (its own database, dropped after), then the time of
# /agent/insights for 90 days. BENCH_PG=postgresql://user@host:port/db for another server.
BENCH_PG ?= postgresql://postgres@127.0.0.1:5432/postgres
bench-insights: install
	$(BIN)/python bench/insights_history.py --url $(BENCH_PG)

# Real phrasings (tests/relevance.yml): top-1, top-3, MRR@10, confidence, routing, beside FTS5.
relevance: install
	$(BIN)/python bench/relevance.py

# The interface's message catalogues (kb/translations/<lang>/LC_MESSAGES): gather the strings
# marked _() in kb/ and templates/, merge them into each language's messages.po (new ones come
# in empty, changed ones marked fuzzy, for a translator), then compile messages.mo. Both files
# are committed, so a checkout runs in every language with no build step;
# tests/unit/test_translations.py fails when a .mo is older than its .po.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o kb/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i kb/translations/messages.pot -d kb/translations --no-wrap --no-fuzzy-matching
	$(BIN)/pybabel compile -d kb/translations --statistics

clean:
	rm -rf $(VENV) node_modules instance/index* .pytest_cache .mypy_cache .ruff_cache
