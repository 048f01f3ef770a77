#!/usr/bin/env bash
# `apple-conn token` as a whole process against the process floor (`apple-conn --version`):
# targets ≤ 5 ms and ≤ 4 MiB above the floor (issue 21). Time by hyperfine (mean ± σ),
# memory as the largest max RSS of 20 runs (/usr/bin/time -v). The key is a .p8 referenced by
# path, so no keyring or vault is in the measurement. Also `preview` of the 1,000-app workspace
# and `--demo preview` (which read the catalog) for the catalog's share.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --example gen_workspace
bin=./target/release/apple-conn
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null \
  | openssl pkcs8 -topk8 -nocrypt -out "$dir/AuthKey_ABCDE12345.p8"
chmod 600 "$dir/AuthKey_ABCDE12345.p8"
cat > "$dir/workspace.toml" <<TOML
version = 1
you = "bench@example.com"

[[api_keys]]
name = "bench"
key_id = "ABCDE12345"
issuer_id = "57246542-96fe-1a63-e053-0824d011072a"
private_key = { path = "AuthKey_ABCDE12345.p8" }
TOML
./target/release/examples/gen_workspace 1000 > "$dir/large.toml"
token="$bin -c $dir/workspace.toml token bench --now 2026-11-24T12:00:00Z"
floor="$bin --version"
$token >/dev/null || { echo "token failed"; $token; exit 1; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 20 --runs 200 --export-json "$dir/h.json" "$floor" "$token"
hyperfine --warmup 3 --runs 20 "$bin -c $dir/large.toml preview --format json --now 2026-11-24T12:00:00Z"

max_rss() { # KiB, the largest of 20 runs
  local worst=0
  for _ in $(seq 20); do
    local kib
    kib=$( { /usr/bin/time -v sh -c "$1 >/dev/null" ; } 2>&1 | awk '/Maximum resident/ {print $6}')
    [ "$kib" -gt "$worst" ] && worst=$kib
  done
  echo "$worst"
}
f=$(max_rss "$floor")
t=$(max_rss "$token")
echo "max RSS: floor $f KiB, token $t KiB, above the floor $(( (t - f) )) KiB (target ≤ 4096 KiB)"
python3 - "$dir/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
floor, token = r[0]["mean"] * 1e3, r[1]["mean"] * 1e3
print(f"time: floor {floor:.2f} ms, token {token:.2f} ms, above the floor {token - floor:.2f} ms (target ≤ 5 ms)")
PY
