#!/usr/bin/env bash
# Every figure of issue 19 in one run, at one commit, in the order RESULTS.md lists them.
#
#   bash benchmarks/issue19.sh servicedesk_bench [servicedesk_bench_s5] | tee /tmp/issue19.log
#
# Each argument is a dataset built by build_dataset.py (--scale 1: the city; --scale 5:
# the province). The benchmarks that write (the save, the crowd, the report's kept
# months) run on a `createdb -T` copy, <dataset>_issue19, kept for the next run (a
# province copies in minutes); the public pages only read.
# The release compared with is $BEFORE (default: 5253895, the release before round 6).
set -euo pipefail
cd "$(dirname "$0")"
PY=../.venv/bin/python
PG=(-h 127.0.0.1 -U postgres)
BEFORE_COMMIT=${BEFORE:-5253895}
before=$(mktemp -d /tmp/issue19-before.XXXX)
trap 'rm -rf "$before"' EXIT
git -C .. archive "$BEFORE_COMMIT" | tar -x -C "$before"
ln -s "$(cd .. && pwd)/.venv" "$before/.venv"
# Its pages need their static files collected, as a release does (with django_setup's
# PRODUCTION_ENV, which the benchmarks serve it with).
benchmarks=$PWD
(cd "$before" && .venv/bin/python -c "import os, sys; sys.path.insert(0, '$benchmarks')
from django_setup import PRODUCTION_ENV; os.environ.update(PRODUCTION_ENV)
os.execv(sys.executable, [sys.executable, 'manage.py', 'collectstatic', '--no-input', '-v0'])")

echo "commit $(git rev-parse --short HEAD); compared with $BEFORE_COMMIT; $(nproc) cores;" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for dataset in "$@"; do
  copy="${dataset}_issue19"
  if ! psql "${PG[@]}" -d "$copy" -qc "SELECT 1" >/dev/null 2>&1; then
    createdb "${PG[@]}" -T "$dataset" "$copy"
  fi
  # A database setting is not copied with it (build_dataset.py sets it, as docs/deploy.md).
  psql "${PG[@]}" -qc "ALTER DATABASE $copy SET random_page_cost = 1.1"
  echo; echo "== $dataset: $(psql "${PG[@]}" -d "$dataset" -Atc \
    "SELECT count(*) FROM desks_community") communities, $(psql "${PG[@]}" -d "$dataset" -Atc \
    "SELECT count(*) FROM desks_servicerequest") requests"
  echo; echo "-- 1. one desk save against its floor, and the release before"
  $PY bench_save.py --database "$copy" --before "$before" --rounds 20 --batch 20
  $PY profile_save.py --database "$copy" --repeat 300 --profile 100
  echo; echo "-- 2. twenty desks saving at the same instant, through nginx"
  $PY bench_crowd.py --database "$copy" --rounds 15 --shapes 5x4,2x4
  echo; echo "-- 3. the monthly report of one street office against hand-written SQL"
  $PY bench_report.py --database "$copy" --repeat 15
  $PY profile_report.py --database "$copy" --repeat 20 --profile 3
  $PY profile_report.py --database "$copy" --repeat 20 --before "$before"
  echo; echo "-- 4. public pages on a cache miss, and the release before"
  $PY bench_public.py --database "$dataset" --before "$before" --rounds 10 --port 8201
done
echo; echo "-- 5. public pages on a cache hit through nginx (the first dataset)"
$PY bench_http.py --database "$1" --port 8101
echo; echo "load average $(cut -d' ' -f1-3 /proc/loadavg); measured $(date -u '+%Y-%m-%d %H:%M') UTC"
