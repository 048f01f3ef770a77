#!/usr/bin/env bash
# `bitrise pull` of 100 apps from the Bitrise stand-in (tests/stubs/bitrise_stub.py) delaying every
# answer by 40 ms, and `bitrise apps` over 10 pages.
# Targets (issue 23): the pull takes at most 1.3x the ideal (requests x 40 ms / jobs); the listing
# issues exactly 10 requests. BIN=path/to/apple-conn skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${APPLE_CONN_TEST_PYTHON:-.venv/bin/python}"
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=./target/release/apple-conn
fi
JOBS="${JOBS:-4}"
DELAY_MS=40
TOKEN=stub-bitrise-pat-7f3a9c2e
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT

start_stub() { # args -> sets PORT
  "$PY" tests/stubs/bitrise_stub.py --scenario bench --no-validate "$@" > "$dir/port" &
  while [ ! -s "$dir/port" ]; do sleep 0.1; done
  PORT=$(head -1 "$dir/port"); : > "$dir/port"
}
requests() { "$PY" -c "import json,urllib.request;print(len(json.load(urllib.request.urlopen('http://127.0.0.1:$PORT/_stats'))['requests']))"; }
workspace() {
  printf 'version = 1\nyou = "me@example.com"\n\n[settings.bitrise]\nuser = "u-alice01"\ntoken = { env = "BENCH_TOKEN" }\n' > "$dir/workspace.toml"
  rm -rf "$dir/bitrise"
}

echo "== bitrise pull: 100 apps, every answer delayed ${DELAY_MS} ms, --jobs $JOBS"
for run in 1 2 3; do
  start_stub --apps 100 --page-size 50 --delay-ms "$DELAY_MS"
  workspace
  t0=$(date +%s.%N)
  BENCH_TOKEN=$TOKEN "$BIN" -c "$dir/workspace.toml" bitrise pull --jobs "$JOBS" --api-url "http://127.0.0.1:$PORT/v0.1" > /dev/null
  t1=$(date +%s.%N)
  n=$(requests)
  kill %1 2>/dev/null || true; wait 2>/dev/null || true
  "$PY" -c "
took=$t1-$t0; ideal=$n*$DELAY_MS/1000/$JOBS
print(f'run $run: {took:.3f} s for $n requests; ideal {ideal:.3f} s; ratio {took/ideal:.3f} (target <= 1.3)')"
done

echo "== bitrise apps: 100 apps, 10 per page"
start_stub --apps 100 --page-size 10
workspace
BENCH_TOKEN=$TOKEN "$BIN" -c "$dir/workspace.toml" bitrise apps --format json --api-url "http://127.0.0.1:$PORT/v0.1" > "$dir/apps.json"
apps=$("$PY" -c "import json;print(len(json.load(open('$dir/apps.json'))['apps']))")
echo "$apps apps listed with $(requests) requests (target: exactly 10)"
