#!/usr/bin/env bash
# Whole-process peak RSS of `preview --format json` on a generated 10,000-app workspace against a
# bare `toml` parse of the same file (examples/toml_parse.rs, same allocator), both measured in one
# run, RUNS times each, interleaved. Target (issue 28): the preview under 1.0x the bare parse.
set -euo pipefail
cd "$(dirname "$0")/.."
apps=${APPS:-10000}
runs=${RUNS:-4}
cargo build --release --quiet --example gen_workspace --example toml_parse
cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ws=$dir/workspace.toml
./target/release/examples/gen_workspace "$apps" > "$ws"
echo "workspace: $apps apps, $(du -h "$ws" | cut -f1)"
peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
for i in $(seq "$runs"); do
  p=$(peak ./target/release/apple-conn -c "$ws" preview --format json --now 2026-11-24T12:00:00Z)
  t=$(peak ./target/release/examples/toml_parse "$ws")
  awk -v i="$i" -v p="$p" -v t="$t" 'BEGIN { printf "run %d: preview %d KiB, toml parse %d KiB: %.2fx\n", i, p, t, p / t }'
done
