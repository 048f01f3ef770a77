#!/usr/bin/env bash
# A modular config of 35 files × 50 workflows (bitrise.yml + 34 included files, ~1.3 MB):
# apple-conn reading, merging and expanding every workflow, in-process (median of 20 runs),
# against Python's yaml.CSafeLoader (pyyaml on libyaml) parsing the same 35 files (median of 20).
# Target (issue 22): apple-conn ≤ 1.5× libyaml's bare parse.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${APPLE_CONN_TEST_PYTHON:-/work/venv/bin/python}
cargo build --release --quiet --example gen_modular_config --example time_modular_config
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
./target/release/examples/gen_modular_config "$dir"
echo "files: $(find "$dir" -name '*.yml' | wc -l), bytes: $(cat "$dir"/bitrise.yml "$dir"/ci/*.yml | wc -c)"
read -r ours steps < <(./target/release/examples/time_modular_config "$dir/bitrise.yml" 20)
libyaml=$("$py" - "$dir" <<'PY'
import glob, statistics, sys, time, yaml
assert yaml.__with_libyaml__, "pyyaml without libyaml"
files = sorted(glob.glob(sys.argv[1] + "/**/*.yml", recursive=True))
texts = [open(f).read() for f in files]
times = []
for _ in range(20):
    t = time.perf_counter()
    for s in texts:
        yaml.load(s, Loader=yaml.CSafeLoader)
    times.append((time.perf_counter() - t) * 1000)
print("%.2f" % statistics.median(times))
PY
)
echo "apple-conn read + merge + expand every workflow ($steps steps): $ours ms"
echo "python yaml.CSafeLoader parse of the same files:        $libyaml ms"
awk -v a="$ours" -v b="$libyaml" 'BEGIN { printf "ratio: %.2f× (target ≤ 1.5×)\n", a / b }'
