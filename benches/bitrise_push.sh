#!/usr/bin/env bash
# `bitrise push` of 200 pulled apps to the Bitrise stand-in (tests/stubs/bitrise_stub.py) delaying
# every answer by 40 ms: the plan's reads, one key upload, then one PATCH per app, --jobs 4.
# Target (issue 29): at most 1.3x the ideal (requests x 40 ms / jobs). BIN=path/to/apple-conn
# skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${APPLE_CONN_TEST_PYTHON:-.venv/bin/python}"
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=./target/release/apple-conn
fi
JOBS="${JOBS:-4}"
APPS="${APPS:-200}"
DELAY_MS="${DELAY_MS:-40}"
TOKEN=stub-bitrise-pat-7f3a9c2e
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/AuthKey.p8" 2>/dev/null

start_stub() { # args -> sets PORT
  "$PY" tests/stubs/bitrise_stub.py --scenario bench --no-validate "$@" > "$dir/port" &
  while [ ! -s "$dir/port" ]; do sleep 0.1; done
  PORT=$(head -1 "$dir/port"); : > "$dir/port"
}
requests() { "$PY" -c "import json,urllib.request;print(len(json.load(urllib.request.urlopen('http://127.0.0.1:$PORT/_stats'))['requests']))"; }
workspace() { # APPS pulled apps of Acme's workspace, each assigned the key
  {
    printf 'version = 1\nyou = "me@example.com"\n\n[settings.bitrise]\nuser = "u-alice01"\ntoken = { env = "BENCH_TOKEN" }\n\n'
    printf '[[api_keys]]\nname = "CI key"\nkey_id = "BENCH00001"\nissuer_id = "57246542-96fe-1a63-e053-0824d011072a"\nprivate_key = { path = "%s" }\n' "$dir/AuthKey.p8"
    for i in $(seq 0 $((APPS - 1))); do
      printf '\n[[apps]]\nslug = "bench%04d"\ntitle = "Bench %d"\napi_key = "CI key"\n[apps.bitrise]\nowner = "org-acme"\nowner_name = "Acme Ltd"\n' "$i" "$i"
    done
  } > "$dir/workspace.toml"
}

echo "== bitrise push: $APPS apps, every answer delayed ${DELAY_MS} ms, --jobs $JOBS"
for run in 1 2 3; do
  start_stub --apps "$APPS" --delay-ms "$DELAY_MS"
  workspace
  t0=$(date +%s.%N)
  BENCH_TOKEN=$TOKEN "$BIN" -c "$dir/workspace.toml" bitrise push --yes --jobs "$JOBS" --api-url "http://127.0.0.1:$PORT/v0.1" > "$dir/out"
  t1=$(date +%s.%N)
  n=$(requests)
  pushed=$(grep -c '^pushed_api_key' "$dir/workspace.toml" || true)
  kill %1 2>/dev/null || true; wait 2>/dev/null || true
  "$PY" -c "
took=$t1-$t0; ideal=max($n*$DELAY_MS/1000/$JOBS, 1e-9)
print(f'run $run: {took:.3f} s for $n requests ($pushed apps recorded); ideal {ideal:.3f} s; ratio {took/ideal:.3f} (target <= 1.3)')"
done
