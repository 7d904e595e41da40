#!/usr/bin/env bash
# `make run`: migrate, seed the demo, and serve on $HOST:$PORT. Tasks run eagerly in-process unless
# CELERY_BROKER_URL is set; then a worker and beat are started beside the server and stopped with it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}"
# Absolute links (payment page redirects, the stand-in's webhooks, emails) point at this server.
export SITE_URL="${SITE_URL:-http://${HOST:-127.0.0.1}:${PORT:-8000}}"
python=".venv/bin/python"

"$python" manage.py migrate --noinput
"$python" manage.py seed_demo

pids=()
if [ -n "${CELERY_BROKER_URL:-}" ]; then
  .venv/bin/celery -A marketplace worker -Q default,allocation,labels,returns,media,inbound,consolidation --loglevel=INFO &
  pids+=($!)
  .venv/bin/celery -A marketplace beat --loglevel=INFO --schedule /tmp/marketplace-celerybeat-schedule &
  pids+=($!)
else
  # No broker, so no beat: the SIMULATED warehouse crew and carrier network are ticked from here
  # (tasks run eagerly inside the command), so paid orders get picked, packed, labelled and delivered.
  # The outbox's sweep too: a fact whose handler failed at commit is handed to it again.
  (while sleep "${SIMULATION_TICK_SECONDS:-20}"; do
    "$python" manage.py simulate_carriers >/dev/null 2>&1 || true
    "$python" manage.py deliver_events >/dev/null 2>&1 || true
  done) &
  pids+=($!)
fi
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

"$python" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
