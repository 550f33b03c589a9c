#!/usr/bin/env bash
# The whole suite on SQLite and on PostgreSQL (when a server answers), side by side: each run is
# one process with its own databases, test folders and Redis databases, so on two cores the two
# take about as long as the slower one. KB_SUITE_SERIAL=1 runs them one after the other.
# Usage: tests/run-suite.sh VENV_BIN [pytest args...]
set -uo pipefail
BIN=${1:-.venv/bin}; shift || true
PG_URL=${KB_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

# Did this run pass, and did it run tests at all? (pytest exits 5 when it collected none.)
report() {  # name log status
  echo "== pytest on $1"
  cat "$2"
  if [ "$3" -ne 0 ]; then echo "== $1: FAILED (exit $3)"; return 1; fi
  if ! grep -Eq '[0-9]+ passed' "$2"; then echo "== $1: no test passed"; return 1; fi
}

if "$BIN/python" - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
then PG=1; else PG=0; fi

"$BIN/pytest" -q -p no:cacheprovider "$@" >"$LOGS/sqlite" 2>&1 &
SQLITE_PID=$!
SQLITE_RC=
if [ "$PG" = 1 ]; then
  if [ "${KB_SUITE_SERIAL:-}" = 1 ]; then wait $SQLITE_PID; SQLITE_RC=$?; fi
  # Redis databases of its own (the SQLite run uses 3 and 5), so the two never share a limit.
  KB_TEST_DATABASE_URL="$PG_URL" \
  KB_TEST_REDIS_URL=${KB_TEST_PG_REDIS_URL:-redis://127.0.0.1:6379/8} \
  KB_TEST_QUEUE_REDIS_URL=${KB_TEST_PG_QUEUE_REDIS_URL:-redis://127.0.0.1:6379/9} \
    "$BIN/pytest" -q -p no:cacheprovider "$@" >"$LOGS/pg" 2>&1 &
  PG_PID=$!
fi

if [ -z "$SQLITE_RC" ]; then wait $SQLITE_PID; SQLITE_RC=$?; fi
status=0
report SQLite "$LOGS/sqlite" $SQLITE_RC || status=1
if [ "$PG" = 1 ]; then
  wait $PG_PID; PG_RC=$?
  report "PostgreSQL ($PG_URL)" "$LOGS/pg" $PG_RC || status=1
else
  echo "== PostgreSQL not reachable at $PG_URL: the SQLite run above is the only one"
fi
exit $status
