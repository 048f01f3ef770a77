#!/usr/bin/env bash
# Whole-process timing of `preview --format json` on a generated 1,000-app × 9-step workspace.
# Target (core issue): under 100 ms on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example gen_workspace
cargo build --release --quiet
ws=$(mktemp -d)/workspace.toml
./target/release/examples/gen_workspace 1000 > "$ws"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs 20 "./target/release/apple-conn -c $ws preview --format json --now 2026-11-24T12:00:00Z"
else
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    /usr/bin/time -f "%e s" ./target/release/apple-conn -c "$ws" preview --format json --now 2026-11-24T12:00:00Z >/dev/null
  done
fi
