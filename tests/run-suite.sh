#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL when a server answers.
# Usage: tests/run-suite.sh VENV_BIN [pytest args...]
set -euo pipefail
BIN=${1:-.venv/bin}; shift || true
PG_URL=${KB_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}

echo "== pytest on SQLite"
"$BIN/pytest" -q "$@"

if "$BIN/python" - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
then
  echo "== pytest on PostgreSQL ($PG_URL)"
  KB_TEST_DATABASE_URL="$PG_URL" "$BIN/pytest" -q -p no:cacheprovider "$@"
else
  echo "== PostgreSQL not reachable at $PG_URL: the SQLite run above is the only one"
fi
