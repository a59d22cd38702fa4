#!/usr/bin/env bash
# The test command: sets up what the suite needs (idempotent), then runs the whole pytest suite
# on SQLite and again on PostgreSQL. Fails if either run fails (pytest's "no tests ran" too).
#
#   bash scripts/test.sh [pytest args…]      e.g.  bash scripts/test.sh -x -k onboarding
#
# Environment:
#   PYTHON                       interpreter that creates .venv (default: python3, ≥ 3.11)
#   COOPFED_TEST_DATABASE_URL    PostgreSQL for the second run
#                                (default: postgresql://postgres@127.0.0.1:5432/test); in both
#                                runs it is also COOPFED_TEST_FEDERATION_PG_URL, so the
#                                three-instance tests put one instance on PostgreSQL every time
#   COOPFED_FORCE_INSTALL=1      reinstall the package even if pyproject.toml is unchanged
#   CI                           set in CI: browser tests fail (not skip) without Chromium
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=$ROOT/.venv
PY=$VENV/bin/python
PG_URL=${COOPFED_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
CHROMIUM=/usr/bin/chromium
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1

START_ALL=$SECONDS
PHASE_START=$SECONDS
TIMINGS=()

phase() { PHASE_START=$SECONDS; printf '\n== %s ==\n' "$1"; }
done_phase() { TIMINGS+=("$(printf '%-34s %4ds' "$1" $((SECONDS - PHASE_START)))"); }
die() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }

# --- Python environment ---------------------------------------------------------------------
phase "Python environment (.venv)"
if [[ ! -x $PY ]]; then
    "${PYTHON:-python3}" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "${PYTHON:-python3} is older than Python 3.11 (set PYTHON=…)"
    "${PYTHON:-python3}" -m venv "$VENV" || die "could not create $VENV"
    echo "created $VENV"
fi
STAMP=$VENV/.coopfed-installed
WANT=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ${COOPFED_FORCE_INSTALL:-} == 1 || ! -f $STAMP || $(cat "$STAMP") != "$WANT" ]] \
    || ! "$PY" -I -c 'import coopfed, pytest, playwright' 2>/dev/null; then
    "$PY" -m pip install -q -e '.[test]' || die "pip install -e '.[test]' failed"
    echo "$WANT" >"$STAMP"
    echo "installed coopfed[test] into $VENV"
else
    echo "coopfed[test] already installed in $VENV (pyproject.toml unchanged)"
fi
done_phase "python environment"

# --- Chromium for the browser tests ---------------------------------------------------------
phase "Chromium for the browser tests"
if [[ -x $CHROMIUM ]]; then
    echo "found $CHROMIUM"
elif [[ $(id -u) == 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q || apt-get update -q; } && apt-get install -y -q --no-install-recommends chromium fonts-liberation fonts-dejavu-core \
        || die "could not install Chromium (apt-get install chromium)"
    [[ -x $CHROMIUM ]] || die "apt-get installed chromium but $CHROMIUM is missing"
else
    echo "WARNING: $CHROMIUM is missing and this is not root, so it is not installed here."
    echo "         Install it with:  sudo apt-get update && sudo apt-get install -y chromium"
    echo "         Browser tests will be skipped (and fail when CI is set)."
fi
done_phase "chromium"

# --- PostgreSQL -----------------------------------------------------------------------------
phase "PostgreSQL"
read -r PG_HOST PG_PORT < <("$PY" -c '
import sys; from urllib.parse import urlsplit
u = urlsplit(sys.argv[1]); print(u.hostname or "127.0.0.1", u.port or 5432)' "$PG_URL")
pg_ready() {
    if command -v pg_isready >/dev/null; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3
    else
        "$PY" -c 'import asyncio, sys, asyncpg
async def main():
    await (await asyncpg.connect(sys.argv[1], timeout=3)).close()
asyncio.run(main())' "$PG_URL" 2>/dev/null
    fi
}
if ! pg_ready; then
    echo "PostgreSQL at $PG_HOST:$PG_PORT does not answer; trying to start the local cluster"
    if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
        for version in $(ls /etc/postgresql); do
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        done
    fi
    for _ in $(seq 30); do pg_ready && break; sleep 1; done
fi
pg_ready || die "PostgreSQL at $PG_HOST:$PG_PORT is not running (start it, or set COOPFED_TEST_DATABASE_URL)"
echo "PostgreSQL answers at $PG_HOST:$PG_PORT"
done_phase "postgresql"

# --- The suite, twice (in parallel) --------------------------------------------------------
# The two runs share nothing but the machine (their own temp dirs, databases and ports), and
# each spends much of its time waiting on its database, so running them side by side roughly
# halves the wall time. Their output is printed one after the other once both are done.
phase "test suites on SQLite and on PostgreSQL (run in parallel)"
LOGS=$(mktemp -d)
env -u COOPFED_TEST_DATABASE_URL COOPFED_TEST_FEDERATION_PG_URL=$PG_URL "$PY" -m pytest --durations=10 --basetemp="$LOGS/tmp-sqlite" "$@" \
    >"$LOGS/sqlite.log" 2>&1 &
SQLITE_PID=$!
COOPFED_TEST_DATABASE_URL=$PG_URL COOPFED_TEST_FEDERATION_PG_URL=$PG_URL "$PY" -m pytest --durations=10 --basetemp="$LOGS/tmp-pg" "$@" \
    >"$LOGS/pg.log" 2>&1 &
PG_PID=$!
wait "$SQLITE_PID"
SQLITE_RC=$?
wait "$PG_PID"
PG_RC=$?
printf '\n== test suite on SQLite ==\n'
cat "$LOGS/sqlite.log"
printf '\n== test suite on PostgreSQL ==\n'
cat "$LOGS/pg.log"
rm -rf "$LOGS"
done_phase "pytest (SQLite exit $SQLITE_RC, PostgreSQL exit $PG_RC)"

printf '\n== timings ==\n'
printf '%s\n' "${TIMINGS[@]}"
printf '%-34s %4ds\n' "total" $((SECONDS - START_ALL))

if ((SQLITE_RC != 0 || PG_RC != 0)); then
    printf '\nFAILED: SQLite run exited %d, PostgreSQL run exited %d\n' "$SQLITE_RC" "$PG_RC" >&2
    exit 1
fi
printf '\nOK: the suite passed on SQLite and on PostgreSQL\n'
