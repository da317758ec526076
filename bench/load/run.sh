#!/usr/bin/env bash
# The load scenario of issue 13 ("production that holds 200 people at once"): a throw-away
# PostgreSQL database with the demo in it, gunicorn with 3 workers as a production install
# runs it, and locust's signed-in demo people against it, for each number of users and each
# DB_CONN_MAX_AGE. Prints p50/p95/p99 per endpoint, requests/s and errors; stops everything
# and drops the database at the end, also on failure. See bench/load/README.md.
#
#   bench/load/run.sh                          # 50 and 200 users, conn_max_age 0 and 60
#   USERS="200" AGES="60" DURATION=30 bench/load/run.sh
set -euo pipefail

# All in a function: bash reads it whole before running it, so the script may be edited while
# a run is under way.
main() {
    ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
    cd "$ROOT"
    PY="${PY:-$ROOT/.venv/bin/python}"
    GUNICORN="${GUNICORN:-$ROOT/.venv/bin/gunicorn}"
    LOCUST="${LOCUST:-$ROOT/.venv/bench/bin/locust}"
    PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
    PGHOST="${PGHOST:-127.0.0.1}"
    PGUSER="${PGUSER:-postgres}"
    USERS="${USERS:-50 200}"          # simulated people, one run each
    AGES="${AGES:-0 60}"              # DB_CONN_MAX_AGE of the server, one server each
    DURATION="${DURATION:-60}"        # seconds measured, after every user has started
    SPAWN_RATE="${SPAWN_RATE:-20}"    # users started per second
    PORT="${PORT:-8765}"
    WORKERS="${WORKERS:-3}"
    PROFILE="${PROFILE:-0}"           # 1: py-spy samples the workers during each run
    PYSPY="${PYSPY:-$ROOT/.venv/bench/bin/py-spy}"
    export WAIT_MIN="${WAIT_MIN:-5}" WAIT_MAX="${WAIT_MAX:-15}"
    DB="kinerja_load_$$"
    OUT="${OUT:-/tmp/kinerja-load-$(date +%Y%m%d-%H%M%S)}"
    mkdir -p "$OUT/data"

    [ -x "$LOCUST" ] || { echo "No locust at $LOCUST: python3.11 -m venv .venv/bench &&" \
        ".venv/bench/bin/pip install locust (see bench/load/README.md)" >&2; exit 2; }

    # A production install (README, "Production"), except plain http on loopback.
    export DJANGO_SETTINGS_MODULE=kinerja.settings DEBUG=0 \
        SECRET_KEY="load-test-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')" \
        DATABASE_URL="$PGURL/$DB" KINERJA_DATA_DIR="$OUT/data" STATIC_ROOT="$OUT/static" \
        ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 \
        CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 LOG_LEVEL=ERROR
    unset KINERJA_DEMO

    SERVER_PID=""
    stop_server() {
        if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
            kill -TERM "$SERVER_PID"
            wait "$SERVER_PID" 2>/dev/null || true
        fi
        SERVER_PID=""
    }
    cleanup() {
        stop_server
        dropdb -h "$PGHOST" -U "$PGUSER" --if-exists --force "$DB" 2>/dev/null || true
    }
    trap cleanup EXIT INT TERM

    log() { echo "[$(date +%H:%M:%S)] $*"; }

    log "database $DB, output $OUT; load: $(cut -d' ' -f1-3 /proc/loadavg)"
    createdb -h "$PGHOST" -U "$PGUSER" "$DB"
    "$PY" manage.py migrate -v0
    log "building the demo (about a minute)"
    KINERJA_DEMO=1 "$PY" manage.py demo_setup >"$OUT/demo_setup.log" 2>&1
    "$PY" manage.py collectstatic --no-input -v0
    # What autovacuum would have done by the time people come.
    psql -h "$PGHOST" -U "$PGUSER" -d "$DB" -qc "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
    max_users=$(tr ' ' '\n' <<<"$USERS" | sort -n | tail -1)
    log "signing in $max_users sessions and finding what each account may open"
    # Django logs to standard output: the refusals the probing meets go to the log file.
    KINERJA_DEMO=1 "$PY" bench/load/prepare.py --sessions "$max_users" --out "$OUT/people.json" \
        >"$OUT/prepare.log" 2>&1
    tail -1 "$OUT/prepare.log"
    export PEOPLE="$OUT/people.json"
    log "queries and in-process time per endpoint"
    "$PY" bench/load/queries.py "$PEOPLE" >"$OUT/queries.md" 2>"$OUT/queries.log" \
        || echo "(queries.py failed: see $OUT/queries.log)" >>"$OUT/queries.md"

    for age in $AGES; do
        DB_CONN_MAX_AGE="$age" "$GUNICORN" kinerja.wsgi --bind "127.0.0.1:$PORT" \
            --workers "$WORKERS" --timeout 120 --error-logfile "$OUT/gunicorn_age$age.log" &
        SERVER_PID=$!
        for _ in $(seq 50); do
            curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
            sleep 0.2
        done
        # Warm the workers up (imports, URL resolvers, templates, translations load on a worker's
        # first requests), as a server that has been up for a while is; not measured.
        WAIT_MIN=0.2 WAIT_MAX=1 "$LOCUST" -f bench/load/locustfile.py --headless --only-summary \
            -u 10 -r 10 -t 20s --host "http://127.0.0.1:$PORT" --loglevel WARNING \
            >"$OUT/warmup_age$age.log" 2>&1 || true
        for users in $USERS; do
            run="age${age}_u${users}"
            spawn=$(( (users + SPAWN_RATE - 1) / SPAWN_RATE ))
            before="$(cut -d' ' -f1-3 /proc/loadavg)"
            log "$run: $users users (+$spawn s starting), measured ${DURATION} s"
            profiler=""
            if [ "$PROFILE" = 1 ]; then
                # Samples of every worker while the people work (after they have all started).
                (sleep "$spawn" && exec "$PYSPY" record --pid "$SERVER_PID" --subprocesses \
                    --nonblocking --rate 100 --format raw --duration "$DURATION" \
                    --output "$OUT/$run.stacks" >"$OUT/$run.pyspy.log" 2>&1) &
                profiler=$!
            fi
            "$LOCUST" -f bench/load/locustfile.py --headless --only-summary --reset-stats \
                -u "$users" -r "$SPAWN_RATE" -t "$((DURATION + spawn))s" \
                --host "http://127.0.0.1:$PORT" --csv "$OUT/$run" --loglevel WARNING \
                >"$OUT/$run.log" 2>&1 || true   # locust exits 1 when a request failed
            if [ -n "$profiler" ]; then
                wait "$profiler" || true
                "$PY" bench/load/stacks.py "$OUT/$run.stacks" >"$OUT/$run.profile.md" || true
            fi
            after="$(cut -d' ' -f1-3 /proc/loadavg)"
            printf '%s; load average before %s, after %s\n' \
                "DB_CONN_MAX_AGE=$age, $users users, wait $WAIT_MIN–$WAIT_MAX s, $WORKERS workers" \
                "$before" "$after" >"$OUT/$run.meta"
        done
        stop_server
    done

    { python3 bench/load/summary.py "$OUT"; cat "$OUT/queries.md"
        cat "$OUT"/*.profile.md 2>/dev/null || true; } | tee "$OUT/summary.md"
    log "done; files in $OUT"
}

main "$@"
