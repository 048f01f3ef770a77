#!/usr/bin/env bash
# Whole-process timing: preview the last workflow of a 200-workflow before_run chain (1,000 steps).
# Target (bitrise.yml issue): under 50 ms on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example gen_bitrise_chain
cargo build --release --quiet
dir=$(mktemp -d)
./target/release/examples/gen_bitrise_chain > "$dir/bitrise.yml"
printf 'version = 1\nyou = "a@example.com"\n\n[[api_keys]]\nname = "k"\nkey_id = "ABCDE12345"\nissuer_id = "57246542-96fe-1a63-e053-0824d011072a"\n\n[[apps]]\nslug = "app"\napi_key = "k"\n' > "$dir/ws.toml"
cmd="./target/release/apple-conn -c $dir/ws.toml preview --app app --bitrise-yml $dir/bitrise.yml --workflow wf199 --format json --now 2026-11-24T12:00:00Z"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs 20 "$cmd"
else
  for _ in 1 2 3 4 5; do /usr/bin/time -f "%e s" $cmd >/dev/null; done
fi
