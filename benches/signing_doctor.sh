#!/usr/bin/env bash
# `doctor --signing --bitrise` over 50 apps x (3 certificates + 5 profiles) uploaded to the Bitrise
# stand-in (tests/stubs/bitrise_signing.py), every answer (API and pre-signed download host)
# delayed 40 ms. Target (issue 30): at most 1.3x the ideal (requests x 40 ms / 4 jobs).
# Fixtures are made here with openssl. BIN=path/to/apple-conn skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${APPLE_CONN_TEST_PYTHON:-.venv/bin/python}"
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=./target/release/apple-conn
fi
APPS="${APPS:-50}"
JOBS=4
DELAY_MS=40
TOKEN=stub-signing-bench-pat
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
cd "$dir"
ossl() { openssl "$@" 2>/dev/null >/dev/null; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=Bench CA"
for i in 1 2 3; do
  kind=$([ "$i" = 1 ] && echo Development || echo Distribution)
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout c$i.key -out c$i.csr -subj "/CN=Apple $kind: Bench $i (ABCDE12345)/OU=ABCDE12345/O=Bench"
  ossl x509 -req -in c$i.csr -CA ca.pem -CAkey ca.key -set_serial 0x1000$i -days 365 -out c$i.pem
  ossl x509 -in c$i.pem -outform DER -out c$i.der
  ossl pkcs12 -export -in c$i.pem -inkey c$i.key -passout pass:pw$i -out c$i.p12
done
certs=$(for i in 1 2 3; do printf '<data>%s</data>' "$(base64 -w0 c$i.der)"; done)
exp=$(date -u -d '+200 days' +%Y-%m-%dT%H:%M:%SZ)
for j in 1 2 3 4 5; do
  cat > p$j.plist <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>Name</key><string>Bench $j</string><key>UUID</key><string>00000000-0000-0000-0000-00000000000$j</string>
<key>Platform</key><array><string>iOS</string></array><key>TeamIdentifier</key><array><string>ABCDE12345</string></array>
<key>ExpirationDate</key><date>$exp</date><key>DeveloperCertificates</key><array>$certs</array>
<key>Entitlements</key><dict><key>application-identifier</key><string>ABCDE12345.com.example.bench</string>
<key>com.apple.developer.team-identifier</key><string>ABCDE12345</string><key>get-task-allow</key><false/></dict>
</dict></plist>
PLIST
  ossl cms -sign -nodetach -binary -outform DER -in p$j.plist -signer ca.pem -inkey ca.key -out p$j.mobileprovision
done
"$PY" - "$APPS" "$dir" "$TOKEN" > manifest.json <<'PYEOF'
import json, sys
apps, d, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def app(n):
    return {"certificates": [{"slug": f"a{n}c{i}", "file": f"{d}/c{i}.p12", "name": f"c{i}.p12", "password": f"pw{i}",
                              "certificates": [{"serial": f"1000{i}", "expiry_date": "2027-01-01T00:00:00Z"}]} for i in (1, 2, 3)],
            "profiles": [{"slug": f"a{n}p{j}", "file": f"{d}/p{j}.mobileprovision", "name": f"p{j}.mobileprovision"} for j in range(1, 6)]}
print(json.dumps({"token": token, "page_size": 50, "apps": {f"app-{n:03}": app(n) for n in range(apps)}}))
PYEOF
{
  printf 'version = 1\nyou = "me@example.com"\n\n[settings.bitrise]\nuser = "u-bench"\ntoken = { env = "BENCH_TOKEN" }\n'
  for n in $(seq 0 $((APPS - 1))); do
    printf '\n[[apps]]\nslug = "app-%03d"\n\n[[apps.steps]]\nid = "manage-ios-code-signing"\n[apps.steps.inputs]\ndistribution_method = "app-store"\n' "$n"
  done
} > workspace.toml
cd - > /dev/null
"$PY" tests/stubs/bitrise_signing.py "$dir/manifest.json" --no-validate --delay-ms "$DELAY_MS" > "$dir/port" &
while [ ! -s "$dir/port" ]; do sleep 0.1; done
PORT=$(cut -d' ' -f1 "$dir/port")
stats() { "$PY" -c "import json,urllib.request;s=json.load(urllib.request.urlopen('http://127.0.0.1:$PORT/_stats'));print(len(s['requests'])+len(s['downloads']))"; }
echo "== doctor --signing --bitrise: $APPS apps x (3 certificates + 5 profiles), every answer delayed ${DELAY_MS} ms, $JOBS jobs"
for run in 1 2 3; do
  before=$(stats)
  t0=$(date +%s.%N)
  code=0
  BENCH_TOKEN=$TOKEN "$BIN" -c "$dir/workspace.toml" doctor --signing --bitrise --format json --api-url "http://127.0.0.1:$PORT/v0.1" > "$dir/out.json" || code=$?
  t1=$(date +%s.%N)
  n=$(( $(stats) - before ))
  "$PY" -c "
import json
r = json.load(open('$dir/out.json'))
files = sum(len(a['files']) for a in r['signing'])
took=$t1-$t0; ideal=$n*$DELAY_MS/1000/$JOBS
print(f'run $run: {took:.3f} s for $n requests ({files} files read, exit $code); ideal {ideal:.3f} s; ratio {took/ideal:.3f} (target <= 1.3)')"
done
