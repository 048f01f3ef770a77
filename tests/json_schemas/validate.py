"""Validates apple-conn's JSON outputs against docs/schemas/ with Python's jsonschema (an
independent validator). argv: SCHEMA_DIR MANIFEST; each manifest line is
`schema<TAB>output file<TAB>label`. Prints one line per invalid output; exit 1 if any.
With --expect-invalid (a manifest of outputs broken on purpose) it is the other way round: it
prints each output the schema wrongly accepts, and exits 1 if there is one."""
import json
import sys

import jsonschema

expect_invalid = "--expect-invalid" in sys.argv
schema_dir, manifest = [a for a in sys.argv[1:] if a != "--expect-invalid"]
validators = {}
bad = 0
count = 0
for row in open(manifest, encoding="utf-8"):
    name, path, label = row.rstrip("\n").split("\t", 2)
    if name not in validators:
        schema = json.load(open(f"{schema_dir}/{name}.schema.json", encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validators[name] = cls(schema, format_checker=cls.FORMAT_CHECKER)
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except ValueError as e:
        print(f"{label}: not JSON: {e}")
        bad += 1
        continue
    count += 1
    errors = sorted(validators[name].iter_errors(doc), key=lambda e: list(e.absolute_path))
    if expect_invalid:
        if not errors:
            print(f"{label}: {name}.schema.json accepts it")
            bad += 1
        continue
    for e in errors[:5]:
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        print(f"{label}: {name}.schema.json at {where}: {e.message}")
    bad += bool(errors)
verdict = "wrongly accepted" if expect_invalid else "invalid"
print(f"validated {count} outputs against {len(validators)} schemas: {bad} {verdict}", file=sys.stderr)
sys.exit(1 if bad else 0)
