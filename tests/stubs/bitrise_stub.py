"""A loopback stand-in for Bitrise's REST API v0.1, for apple-conn's tests and benches.

It answers from the current specification's shapes (../shared/reference/bitrise-api/
bitrise-ci-2026-08.openapi.json, kept in tests/fixtures/) with scenario data, records every request
(bodies included; a private key only as its SHA-256 and length), and checks every request it
receives and every answer it sends with PyPI `openapi-core` (a validator nobody here wrote) against
that document, and also against the 2025-01 document (tests/fixtures/bitrise-openapi.json) for the
calls that one has too. The validator is told what SOURCES.md says and what the 2026-08 conversion
needs (see DEFECTS_2026 below), and the statuses real clients meet that the documents do not list
(429 with Retry-After, 403, 422, 5xx).

Routes: `@route(METHOD, r"/apps/(?P<slug>[^/]+)")` on a function (stub, handler, match, query, body)
that returns an answer tuple; another module `tests/stubs/bitrise_stub_*.py` is loaded at start and
may add routes the same way (`from bitrise_stub import route, ok, error`).

Faults: `--fault "METHOD /path=KIND,KIND"` (a GET fault may name the path alone): each request to it
takes the next KIND: 400, 401, 403, 404, 422, 429, 429-long, 500, 502, 503, slow, hang, odd.

Prints the port on the first line of stdout, then serves until killed.
Usage: bitrise_stub.py [--scenario NAME] [--apps N] [--page-size N] [--delay-ms N] [--no-validate]
       [--fault SPEC]...
"""

import argparse
import copy
import glob
import hashlib
import importlib.util
import json
import os
import re
import socket  # noqa: F401 - TCP_NODELAY through StreamRequestHandler
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "stub-bitrise-pat-7f3a9c2e"
USER = {"slug": "u-alice01", "username": "alice", "email": "alice@example.com"}
ISSUER = "57246542-96fe-1a63-e053-0824d011072a"
PREFIX = "/v0.1"

ACME = {"slug": "org-acme", "name": "Acme Ltd", "account_type": "organization"}
ALICE = {"slug": "u-alice01", "name": "alice", "account_type": "user"}

YML_TRIGGER_MAP = """format_version: "13"
default_step_lib_source: https://github.com/bitrise-io/bitrise-steplib.git
project_type: ios
trigger_map:
- push_branch: main
  workflow: primary
- tag: "*"
  workflow: deploy
workflows:
  _setup:
    steps:
    - git-clone@8: {}
  primary:
    before_run: [_setup]
    steps:
    - xcode-test@5: {}
  deploy:
    before_run: [_setup]
    steps:
    - deploy-to-itunesconnect-deliver@2:
        inputs:
        - bundle_id: io.example.shop
  utility_cleanup:
    steps:
    - script@1:
        inputs:
        - content: echo done
"""

YML_PIPELINES = """format_version: "17"
workflows:
  build:
    steps:
    - xcode-archive@5:
        inputs:
        - distribution_method: app-store
  test:
    steps:
    - xcode-test@5: {}
pipelines:
  release:
    triggers:
      tag:
      - name: "v*"
    workflows:
      build: {}
  nightly:
    workflows:
      test: {}
"""

YML_PLAIN = """format_version: "13"
workflows:
  ci:
    steps:
    - xcode-test@5: {}
  _helper:
    steps:
    - script@1: {}
"""


def app(slug, title, project_type="ios", owner=ACME, public=False, repo=None):
    return {
        "slug": slug,
        "title": title,
        "project_type": project_type,
        "is_public": public,
        "is_disabled": False,
        "owner": dict(owner),
        "provider": "github",
        "repo_owner": "acme",
        "repo_slug": slug,
        "repo_url": repo or f"https://github.com/acme/{slug}.git",
        "status": 1,
        "avatar_url": "https://example.invalid/a.png",
    }


def scenario_data(name, count):
    """apps (listing order), files: slug -> (location, yml text), org apps, keys, faults."""
    apps, files = [], {}
    faults = {}
    if name == "bench":
        for i in range(count):
            slug = f"bench{i:04d}"
            apps.append(app(slug, f"Bench {i}"))
            files[slug] = ("bitrise.io", YML_PLAIN)
    else:
        apps = [
            app("ios-shop", "Shop iOS"),
            app("ios-pipes", "Pipes", project_type="react-native", owner=ALICE),
            app("repo-app", "Kept in its repository", repo="https://github.com/acme/repo-app.git"),
            app("oss-app", "Open source", public=True),
            app("droid", "Android only", project_type="android"),
            app("flaky-app", "Rate limited once"),
        ]
        files = {
            "ios-shop": ("bitrise.io", YML_TRIGGER_MAP),
            "ios-pipes": ("bitrise.io", YML_PIPELINES),
            "repo-app": ("repository", YML_PLAIN),
            "oss-app": ("bitrise.io", YML_PLAIN),
            "droid": ("bitrise.io", YML_PLAIN),
            "flaky-app": ("bitrise.io", YML_PLAIN),
        }
        faults["/apps/flaky-app"] = ["429"]
    if name == "faults":
        extra = [
            app("gone-app", "Deleted on Bitrise"),
            app("not-admin", "Someone else's"),
            app("big-yml", "Huge file"),
            app("bad-yml", "Broken file"),
            app("../escape", "Path trick"),
            app("odd-json", "Off-spec answer"),
            app("blip-app", "A 502 once"),
            app("down-app", "Always 503"),
        ]
        apps = apps[:1] + extra
        files.update({
            "gone-app": ("bitrise.io", YML_PLAIN),
            "not-admin": ("bitrise.io", YML_PLAIN),
            "big-yml": ("bitrise.io", "workflows:\n  a: {}\n# " + "x" * (1024 * 1024) + "\n"),
            "bad-yml": ("bitrise.io", "workflows:\n  a: [unclosed\n"),
            "odd-json": ("bitrise.io", YML_PLAIN),
            "blip-app": ("bitrise.io", YML_PLAIN),
            "down-app": ("bitrise.io", YML_PLAIN),
        })
        faults.update({
            "/apps/gone-app": ["404"] * 99,
            "/apps/not-admin/bitrise.yml/config": ["403"] * 99,
            "/apps/odd-json": ["odd"] * 99,
            "/apps/blip-app/bitrise.yml/config": ["502"],
            "/apps/down-app": ["503"] * 99,
        })
    if name == "rate-limited":
        faults["*"] = ["429"] * 10**6
    if name == "rate-long":
        faults["*"] = ["429-long"] * 10**6
    if name == "rate-overflow":
        # issue 33: one short wait, then a Retry-After that wraps a u64 budget.
        faults["*"] = ["429", "429-overflow"] * 10**3
    if name == "forged-title":
        # issue 33: line breaks in server-controlled one-line fields must not forge rows.
        apps[0]["title"] = "Shop iOS\nforged-app           Forged title           ios            no      Acme Ltd (organization)"
        apps[0]["owner"]["name"] = "Acme\r\nforged-owner\u2028line"
    if name == "timeout-once":
        faults["/me"] = ["slow"]
    if name == "timeout-always":
        faults["/me"] = ["slow"] * 99
    if name == "odd-me":
        faults["/me"] = ["odd"] * 99
    if name == "bench":
        faults.clear()
    org_apps = {"org-acme": [a for a in apps if a["owner"]["slug"] == "org-acme"], "org-beta": []}
    keys = [
        {"name": "CI key", "key_id": "AAAAAAAAAA", "issuer_id": ISSUER, "is_enterprise_account": False},
        {"name": "Release on Bitrise", "key_id": "BBBBBBBBBB", "issuer_id": ISSUER, "is_enterprise_account": False},
        {"name": "Old key", "key_id": "CCCCCCCCCC", "issuer_id": ISSUER, "is_enterprise_account": False},
    ]
    for i, k in enumerate(keys):
        k.update({"slug": f"cred{i}", "created_at": "2026-01-0%dT10:00:00Z" % (i + 1), "updated_at": "2026-02-01T10:00:00Z"})
    return apps, files, org_apps, keys, faults


MEMBERS = {
    "org-acme": [
        {"slug": "u-alice01", "username": "alice", "email": "alice@example.com"},
        {"slug": "u-bob02", "username": "bob", "email": "bob@example.com"},
        {"slug": "u-carol03", "username": "carol", "email": "Carol@Example.com"},
    ],
    "org-beta": [{"slug": "u-alice01", "username": "alice", "email": "alice@example.com"}],
}
ORG_NAMES = {"org-acme": "Acme Ltd", "org-beta": "Beta Studio"}


def workspace_keys(name):
    """The keys uploaded to each workspace: the user's "CI key" lives in Acme's too."""
    keys = {"org-acme": [], "org-beta": []}
    if name != "bench":
        keys["org-acme"].append({
            "slug": "wcred-acme-ci", "name": "CI key", "key_id": "AAAAAAAAAA", "issuer_id": ISSUER,
            "is_enterprise_account": False, "created_at": "2026-03-01T10:00:00Z", "updated_at": "2026-03-01T10:00:00Z",
        })
        keys["org-acme"].append({
            "slug": "wcred-acme-old", "name": "Old workspace key", "key_id": "GGGGGGGGGG", "issuer_id": ISSUER,
            "is_enterprise_account": False, "created_at": "2026-02-01T10:00:00Z", "updated_at": "2026-02-01T10:00:00Z",
        })
        keys["org-beta"].append({
            "slug": "wcred-beta-x", "name": "Beta's own", "key_id": "EEEEEEEEEE", "issuer_id": "11111111-2222-3333-4444-555555555555",
            "is_enterprise_account": False, "created_at": "2026-03-02T10:00:00Z", "updated_at": "2026-03-02T10:00:00Z",
        })
    return keys


def parse_faults(specs):
    """`METHOD /path=KIND,KIND` (or `/path=...` for a GET) into the fault queues."""
    out = {}
    for spec in specs:
        where, _, kinds = spec.partition("=")
        where = where.strip()
        if " " not in where and where != "*":
            where = "GET " + where
        out.setdefault(where, []).extend(k.strip() for k in kinds.split(",") if k.strip())
    return out


ROUTES = []


def route(method, pattern):
    """Registers `fn(stub, handler, match, query, body)` for METHOD and a path below /v0.1."""
    def register(fn):
        ROUTES.append((method, re.compile("^" + pattern + "$"), fn))
        return fn
    return register


def ok(payload, status=200):
    return (status, json.dumps(payload), "application/json", {}, False)


def error(status, message, field="message"):
    """`service.StandardErrorRespModel` ({"message"}) or, where the document says so,
    `service.ProxyErrorRespModel` ({"error_msg"})."""
    return (status, json.dumps({field: message}), "application/json", {}, False)


def no_content():
    return (204, "", None, {}, False)


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
UNLISTED = (("429", "Too Many Requests"), ("403", "Forbidden"), ("422", "Unprocessable Entity"),
            ("500", "Internal Server Error"), ("502", "Bad Gateway"), ("503", "Service Unavailable"))


def unlisted_statuses(spec):
    """Statuses real clients meet that the document does not list, each with the error body
    that operation's other errors use; 429 with `Retry-After`."""
    for p, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            errors = [r for st, r in op["responses"].items() if st >= "400" and "content" in r]
            body = copy.deepcopy(errors[0]["content"]) if errors else {
                "application/json": {"schema": {"$ref": "#/components/schemas/service.StandardErrorRespModel"}}}
            for status, why in UNLISTED:
                op["responses"].setdefault(status, {"description": why, "content": copy.deepcopy(body)})
            op["responses"]["429"].setdefault("headers", {"Retry-After": {"schema": {"type": "integer"}}})


def spec_2025(port):
    """The 2025-01 document, told about SOURCES.md's two defects and the unlisted statuses."""
    with open(os.path.join(FIXTURES, "bitrise-openapi.json")) as f:
        spec = json.load(f)
    spec["servers"] = [{"url": f"http://127.0.0.1:{port}{PREFIX}"}]
    schemas = spec["components"]["schemas"]
    # Defect 1: `type: object` beside `allOf: [the string enum]`; the value is the string.
    for name in ("v0.BitriseYMLConfigGetResponse", "v0.BitriseYMLConfigUpdateParams"):
        schemas[name]["properties"]["location"].pop("type", None)
    bitrise_yml_errors_are_json(spec, "/apps/{app_slug}/bitrise.yml")
    unlisted_statuses(spec)
    return spec


def bitrise_yml_errors_are_json(spec, path):
    # Defect 2: bitrise.yml's error answers are the JSON error object, not text/plain.
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/service.StandardErrorRespModel"}}}
    for method, op in spec["paths"][path].items():
        if not isinstance(op, dict):
            continue
        for status, resp in op.get("responses", {}).items():
            if status != "200" and "text/plain" in resp.get("content", {}):
                resp["content"] = copy.deepcopy(error_body)


# What the 2026-08 conversion (and document) need before a validator reads them, as SOURCES.md
# lists them for the 2025-01 copy:
# - Defect 1 of the old copy does not recur: `location` is `allOf` alone.
# - Defect 2 recurs: GET /apps/{app-slug}/bitrise.yml declares text/plain for its JSON errors.
# - The document's own gap: DELETE /organizations/{org-slug}/apple-api-credentials names no
#   parameter for which key; the stand-in serves no DELETE there, and apple-conn sends none.
# - Not defects, followed as written: errors of the workspace-key and member calls are
#   `service.ProxyErrorRespModel` ({"error_msg"}), the rest `{"message"}`; GET .../members
#   answers a bare array; POST .../apple-api-credentials answers 200 (not 201).
DEFECTS_2026 = ("bitrise.yml errors are JSON", "DELETE of a workspace key names no key")


def spec_2026(port):
    with open(os.path.join(FIXTURES, "bitrise-ci-2026-08.openapi.json")) as f:
        spec = json.load(f)
    spec["servers"] = [{"url": f"http://127.0.0.1:{port}{PREFIX}"}]
    bitrise_yml_errors_are_json(spec, "/apps/{app-slug}/bitrise.yml")
    unlisted_statuses(spec)
    return spec


def spec_for_validation(port):
    """The current document (kept for callers of the old name)."""
    return spec_2026(port)


def redact(body):
    """A request body as recorded: a private key only as its SHA-256, length and first line."""
    if not isinstance(body, dict) or "private_key" not in body:
        return body
    out = dict(body)
    key = body["private_key"]
    if isinstance(key, str):
        out["private_key"] = {
            "sha256": hashlib.sha256(key.encode()).hexdigest(),
            "length": len(key),
            "first_line": key.strip().splitlines()[0] if key.strip() else "",
            "public_key_sha256": public_sha256(key),
        }
    return out


def public_sha256(pem):
    """SHA-256 of the key's public half (DER SubjectPublicKeyInfo), to match what a test made."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        der = load_pem_private_key(pem.encode(), password=None).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return hashlib.sha256(der).hexdigest()
    except Exception:  # noqa: BLE001
        return None


def is_p256_pem(text):
    """The .p8 an App Store Connect key is: a PKCS#8 P-256 private key (read by `cryptography`)."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        key = load_pem_private_key(text.encode(), password=None)
        return isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    except Exception:  # noqa: BLE001 - anything unreadable is "not a key"
        return False


class Stub:
    def __init__(self, args):
        self.args = args
        self.apps, self.files, self.org_apps, self.keys, self.faults = scenario_data(args.scenario, args.apps)
        for where, kinds in parse_faults(args.fault).items():
            self.faults.setdefault(where, []).extend(kinds)
        self.members = copy.deepcopy(MEMBERS)
        self.org_keys = workspace_keys(args.scenario)
        # What each app was told by PATCH (Bitrise does not return it on GET /apps/{slug}).
        self.assignments = {}
        self.uploads = 0
        self.lock = threading.Lock()
        self.requests = []
        self.validation_errors = []
        self.validated = {"requests": 0, "responses": 0, "requests_2025": 0, "responses_2025": 0}
        self.apis = []
        self.signing = None

    def load_validator(self, port):
        from openapi_core import Config, OpenAPI

        # Bitrise's documents are taken as published: their own schema check is not ours to run.
        config = Config(spec_validator_cls=None)
        self.apis = [("", OpenAPI.from_dict(spec_2026(port), config=config)),
                     ("_2025", OpenAPI.from_dict(spec_2025(port), config=config))]

    def fault(self, method, path):
        with self.lock:
            keys = [f"{method} {path}"] + ([path] if method == "GET" else []) + ["*"]
            for key in keys:
                queue = self.faults.get(key)
                if queue:
                    return queue.pop(0)
        return None

    def app_by_slug(self, slug):
        return next((a for a in self.apps if a["slug"] == slug), None)

    def validate(self, method, raw_path, headers, status, body, content_type, off_spec, req_body):
        if not self.apis:
            return
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
        from openapi_core.templating.paths.exceptions import PathNotFound, OperationNotFound
        from werkzeug.test import EnvironBuilder
        from werkzeug.wrappers import Response

        url = urlparse(raw_path)
        headers = dict(headers)
        req = EnvironBuilder(method=method, path=url.path, base_url=f"http://127.0.0.1:{self.port}",
                             query_string=url.query, headers=headers, data=req_body or None,
                             content_type=headers.get("Content-Type")).get_request()
        resp = Response(body, status=status, content_type=content_type)
        with self.lock:
            for suffix, api in self.apis:
                old = suffix != ""

                def record(kind, e):
                    # A call the 2025-01 document does not have is checked by the current one only.
                    cause = e.__cause__ or e
                    if old and isinstance(cause, (PathNotFound, OperationNotFound)):
                        return
                    self.validation_errors.append({"kind": kind + suffix, "method": method, "path": raw_path, "status": status,
                                                   "error": f"{type(e).__name__}: {e} {e.__cause__ or ''}"})
                try:
                    api.validate_request(WerkzeugOpenAPIRequest(req))
                    self.validated["requests" + suffix] += 1
                except Exception as e:  # noqa: BLE001 - every failure is recorded for the test
                    record("request", e)
                if off_spec:
                    # A deliberately malformed answer must be one the validator rejects.
                    try:
                        api.validate_response(WerkzeugOpenAPIRequest(req), WerkzeugOpenAPIResponse(resp))
                        if not old:
                            self.validation_errors.append({"kind": "off-spec answer passed", "path": raw_path, "error": "the validator accepted it"})
                    except Exception:  # noqa: BLE001
                        pass
                    continue
                try:
                    api.validate_response(WerkzeugOpenAPIRequest(req), WerkzeugOpenAPIResponse(resp))
                    self.validated["responses" + suffix] += 1
                except Exception as e:  # noqa: BLE001
                    record("response", e)


def fault_answer(kind, method, path):
    """The answer a fault stands for (None: no answer-changing fault)."""
    proxy = "apple-api-credentials" in path or path.endswith("/members")
    field = "error_msg" if proxy else "message"
    if kind == "429":
        return (429, json.dumps({field: "API rate limit exceeded"}), "application/json", {"Retry-After": "1"}, False)
    if kind == "429-overflow":
        # issue 33: a wait that would wrap a u64 budget.
        return (429, json.dumps({field: "API rate limit exceeded"}), "application/json", {"Retry-After": "18446744073709551615"}, False)
    if kind == "429-long":
        return (429, json.dumps({field: "API rate limit exceeded"}), "application/json", {"Retry-After": "61"}, False)
    messages = {
        "400": "Bad Request: apple_api_credential_slug is not valid for this app",
        "401": "Unauthorized",
        "403": "Forbidden: admin rights required",
        "404": "Not Found",
        "422": "Unprocessable Entity: the credential cannot be used by this app",
        "500": "Internal Server Error",
        "502": "Bad Gateway",
        "503": "Service Unavailable",
    }
    if kind in messages:
        return error(int(kind), messages[kind], field)
    if kind == "odd":
        return (200, json.dumps({"data": {"slug": 5, "title": ["not", "a", "title"]}}), "application/json", {}, True)
    return None


# ---- GET: what was read before the 2026-08 document, unchanged ----

@route("GET", r"/me")
def get_me(stub, h, m, q, body):
    return ok({"data": dict(USER, avatar_url="https://example.invalid/u.png", created_at="2025-01-01T00:00:00Z", data_id=7, has_used_organization_trial=False, payment_processor="none", unconfirmed_email="")})


@route("GET", r"/apps")
def get_apps(stub, h, m, q, body):
    return h.page(stub.apps, q)


@route("GET", r"/organizations/(?P<org>[^/]+)/apps")
def get_org_apps(stub, h, m, q, body):
    if m["org"] not in stub.org_apps:
        return error(404, "Not Found")
    return h.page(stub.org_apps[m["org"]], q)


@route("GET", r"/users/(?P<user>[^/]+)/apple-api-credentials")
def get_user_keys(stub, h, m, q, body):
    if m["user"] != USER["slug"]:
        return error(404, "Not Found")
    return ok({"data": stub.keys})


@route("GET", r"/apps/(?P<slug>[^/]+)")
def get_app(stub, h, m, q, body):
    a = stub.app_by_slug(m["slug"])
    return ok({"data": a}) if a else error(404, "Not Found")


@route("GET", r"/apps/(?P<slug>[^/]+)/bitrise\.yml/config")
def get_yml_config(stub, h, m, q, body):
    if not stub.app_by_slug(m["slug"]):
        return error(404, "Not Found")
    return ok({"location": stub.files[m["slug"]][0]})


@route("GET", r"/apps/(?P<slug>[^/]+)/bitrise\.yml")
def get_yml(stub, h, m, q, body):
    if not stub.app_by_slug(m["slug"]):
        return error(404, "Not Found")
    return (200, stub.files[m["slug"]][1], "text/plain; charset=utf-8", {}, False)


# ---- The 2026-08 document's workspaces, members, workspace keys and per-app assignment ----

@route("GET", r"/organizations")
def get_orgs(stub, h, m, q, body):
    data = [{"slug": slug, "name": ORG_NAMES[slug], "avatar_icon_url": "https://example.invalid/o.png", "concurrency_count": 2,
             "owners": [stub.members[slug][0]]} for slug in ORG_NAMES]
    return ok({"data": data})


@route("GET", r"/organizations/(?P<org>[^/]+)/members")
def get_members(stub, h, m, q, body):
    if m["org"] not in stub.members:
        return error(404, "Not found", "error_msg")
    return (200, json.dumps(stub.members[m["org"]]), "application/json", {}, False)


@route("GET", r"/organizations/(?P<org>[^/]+)/apple-api-credentials")
def get_org_keys(stub, h, m, q, body):
    if m["org"] not in stub.org_keys:
        return error(404, "Not Found", "error_msg")
    return ok({"data": stub.org_keys[m["org"]]})


@route("POST", r"/organizations/(?P<org>[^/]+)/apple-api-credentials")
def post_org_key(stub, h, m, q, body):
    org = m["org"]
    if org not in stub.org_keys:
        return error(404, "Not Found", "error_msg")
    if not isinstance(body, dict):
        return error(400, "Bad Request: the body is not a JSON object", "error_msg")
    for field in ("name", "key_id", "issuer_id", "private_key"):
        if not isinstance(body.get(field), str) or not body[field].strip():
            return error(400, f"Bad Request: {field} is required", "error_msg")
    if not is_p256_pem(body["private_key"]):
        return error(422, "Unprocessable Entity: private_key is not a valid .p8 key", "error_msg")
    with stub.lock:
        if any(k["key_id"] == body["key_id"] for k in stub.org_keys[org]):
            return error(422, "Unprocessable Entity: key_id has already been taken", "error_msg")
        stub.uploads += 1
        item = {"slug": f"wcred-{org}-{stub.uploads}", "name": body["name"], "key_id": body["key_id"],
                "issuer_id": body["issuer_id"], "is_enterprise_account": bool(body.get("is_enterprise_account", False)),
                "created_at": "2026-12-07T10:00:00Z"}
        stub.org_keys[org].append(dict(item, updated_at=item["created_at"]))
    return ok({"data": item})


def owner_org(a):
    return a["owner"]["slug"] if a["owner"]["account_type"] == "organization" else None


@route("PATCH", r"/apps/(?P<slug>[^/]+)")
def patch_app(stub, h, m, q, body):
    a = stub.app_by_slug(m["slug"])
    if not a:
        return error(404, "Not Found")
    if not isinstance(body, dict):
        return error(400, "Bad Request: the body is not a JSON object")
    org = owner_org(a)
    key = body.get("apple_api_credential_slug")
    if key is not None:
        usable = stub.org_keys.get(org, []) if org else stub.keys
        if not any(k["slug"] == key for k in usable):
            return error(422, f"Unprocessable Entity: no Apple API credential {key} in the app's workspace")
    member = body.get("apple_credential_user_slug")
    if member is not None:
        members = stub.members.get(org, []) if org else [USER]
        if not any(u["slug"] == member for u in members):
            return error(422, f"Unprocessable Entity: {member} is not a member of the app's workspace")
    with stub.lock:
        record = stub.assignments.setdefault(m["slug"], {})
        for field in ("apple_api_credential_slug", "apple_credential_user_slug"):
            if field in body:
                record[field] = body[field]
    return ok({"status": "ok"})


@route("DELETE", r"/apps/(?P<slug>[^/]+)/service-credential-user")
def delete_credential_user(stub, h, m, q, body):
    if not stub.app_by_slug(m["slug"]):
        return error(404, "Not found")
    with stub.lock:
        stub.assignments.setdefault(m["slug"], {}).pop("apple_credential_user_slug", None)
    return no_content()


def make_handler(stub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold the body back ~40 ms on every keep-alive answer.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/_stats":
                with stub.lock:
                    payload = {"requests": stub.requests, "validation_errors": stub.validation_errors, "validated": stub.validated,
                               "assignments": stub.assignments, "org_keys": stub.org_keys, "uploads": stub.uploads}
                return self.reply(200, json.dumps(payload), "application/json", record=False)
            self.handle_api("GET")

        def do_POST(self):
            self.handle_api("POST")

        def do_PATCH(self):
            self.handle_api("PATCH")

        def do_DELETE(self):
            self.handle_api("DELETE")

        def do_PUT(self):
            self.handle_api("PUT")

        def handle_api(self, method):
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = "<not JSON>"
            with stub.lock:
                stub.requests.append({
                    "method": method,
                    "path": url.path,
                    "query": {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
                    "authorization": self.headers.get("Authorization"),
                    "accept": self.headers.get("Accept"),
                    "content_type": self.headers.get("Content-Type"),
                    "user_agent": self.headers.get("User-Agent"),
                    "body": redact(body),
                })
            if stub.args.delay_ms:
                time.sleep(stub.args.delay_ms / 1000.0)
            status, text, ctype, extra, off_spec = self.answer(method, url, body)
            self.reply(status, text, ctype, extra_headers=extra, off_spec=off_spec, method=method, req_body=raw)

        def answer(self, method, url, body):
            path = url.path
            if not path.startswith(PREFIX + "/"):
                return error(404, "Not Found")
            path = path[len(PREFIX):]
            if self.headers.get("Authorization") != TOKEN:
                return error(401, "Unauthorized")
            kind = stub.fault(method, path)
            if kind == "slow":
                time.sleep(3)
            if kind == "hang":
                # Long enough for a test to kill the client while it waits.
                time.sleep(30)
            faulted = fault_answer(kind, method, path) if kind else None
            if faulted:
                return faulted
            q = parse_qs(url.query)
            if stub.signing and (got := stub.signing.answer(path, {k: v[0] for k, v in q.items()})):  # issue 30: tests/stubs/bitrise_signing.py
                return (got[0], json.dumps(got[1]), "application/json", {}, False)
            for m, pattern, fn in ROUTES:
                if m != method:
                    continue
                found = pattern.match(path)
                if found:
                    return fn(stub, self, found, q, body)
            return error(404, "Not Found")

        def page(self, listing, q):
            limit = int(q.get("limit", ["50"])[0])
            size = min(limit, stub.args.page_size)
            scenario = stub.args.scenario
            if scenario == "paging-loop":
                return ok({"data": listing[:1], "paging": {"next": "again", "page_item_limit": size, "total_item_count": 99}})
            if scenario == "paging-endless":
                n = int(q.get("next", ["p0"])[0][1:]) + 1
                return ok({"data": [], "paging": {"next": f"p{n}", "page_item_limit": size, "total_item_count": 10**6}})
            if scenario == "paging-endless-full":
                # issue 33: every page full of big, new apps, and always a next page.
                n = int(q.get("next", ["p0"])[0][1:]) + 1
                data = [app(f"endless{n:06d}x{i:02d}", "T" * 8000) for i in range(size)]
                return ok({"data": data, "paging": {"next": f"p{n}", "page_item_limit": size, "total_item_count": 10**9}})
            if scenario == "page-over-limit":
                data = [app(f"extra{i:04d}", f"Extra {i}") for i in range(limit + 5)]
                return ok({"data": data, "paging": {"page_item_limit": limit, "total_item_count": limit + 5}})
            start = 0
            if "next" in q:
                slugs = [a["slug"] for a in listing]
                if q["next"][0] not in slugs:
                    return error(400, "Bad Request: unknown next")
                start = slugs.index(q["next"][0])
            data = listing[start:start + size]
            paging = {"page_item_limit": size, "total_item_count": len(listing)}
            if start + size < len(listing):
                paging["next"] = listing[start + size]["slug"]
            return ok({"data": data, "paging": paging})

        def reply(self, status, body, ctype, extra_headers=None, record=True, off_spec=False, method="GET", req_body=b""):
            data = body.encode()
            if record:
                stub.validate(method, self.path, self.headers.items(), status, data, ctype, off_spec, req_body)
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra_headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def load_extra_routes():
    """Routes other modules add (tests/stubs/bitrise_stub_*.py), e.g. signing files."""
    sys.modules.setdefault("bitrise_stub", sys.modules[__name__])
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "bitrise_stub_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="team")
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--signing", help="a bitrise_signing.py manifest: serve its certificates and profiles")
    args = parser.parse_args()
    load_extra_routes()
    stub = Stub(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(stub))
    server.daemon_threads = True
    stub.port = server.server_address[1]
    if args.signing:
        from bitrise_signing import Signing
        with open(args.signing) as f:
            stub.signing = Signing(json.load(f), stub.port, validate=False)
    if not args.no_validate:
        stub.load_validator(stub.port)
    print(stub.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
