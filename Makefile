# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
export FLASK_APP := kb:create_app

.PHONY: run worker test lint check index bench relevance install clean axe pytest

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

pytest: install axe
	bash tests/run-suite.sh $(BIN)

test: lint check pytest

bench: install
	$(BIN)/python bench/search.py

# Real phrasings (tests/relevance.yml): top-1, top-3, MRR@10, confidence, routing, beside FTS5.
relevance: install
	$(BIN)/python bench/relevance.py

clean:
	rm -rf $(VENV) node_modules instance/index* .pytest_cache .mypy_cache .ruff_cache
