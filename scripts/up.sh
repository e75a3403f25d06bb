#!/usr/bin/env bash
# One command on a fresh machine: installs what is missing, then runs the whole system
# (HTTP server, workers, scheduler) on embedded defaults: a private redis-server under ./data when
# REDIS_URL is unset and nothing answers on 6379.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null 2>&1 || { echo "Node.js 20+ is required: https://nodejs.org" >&2; exit 1; }
if [ -z "${REDIS_URL:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  scripts/ensure-system-packages.sh redis
fi
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
npm run build
# A fresh store gets the demo organization (stand-in platforms) so there is data at once; SEED_DEMO=0 skips it.
[ "${SEED_DEMO:-1}" = "0" ] || npm run --silent seed:demo -- --if-empty
exec npm start
