"""A loopback stand-in for Bitrise's REST API v0.1, for apple-conn's tests and benches.

It answers from the specification's shapes (../shared/reference/bitrise-api/openapi.json, kept in
tests/fixtures/bitrise-openapi.json) with scenario data, records every request, and checks every
request it receives and every answer it sends with PyPI `openapi-core` (a validator nobody here
wrote), so neither the stub nor apple-conn can drift from Bitrise's contract. The validator is told
what SOURCES.md says: the conversion's two defects, and the statuses real clients meet that the
spec does not list (429 with Retry-After, 403, 5xx).

Prints the port on the first line of stdout, then serves until killed.
Usage: bitrise_stub.py [--scenario NAME] [--apps N] [--page-size N] [--delay-ms N] [--no-validate]
"""

import argparse
import copy
import json
import os
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
    if name == "timeout-once":
        faults["/me"] = ["slow"]
    if name == "timeout-always":
        faults["/me"] = ["slow"] * 99
    if name == "odd-me":
        faults["/me"] = ["odd"] * 99
    org_apps = {"org-acme": [a for a in apps if a["owner"]["slug"] == "org-acme"]}
    keys = [
        {"name": "CI key", "key_id": "AAAAAAAAAA", "issuer_id": ISSUER, "is_enterprise_account": False},
        {"name": "Release on Bitrise", "key_id": "BBBBBBBBBB", "issuer_id": ISSUER, "is_enterprise_account": False},
        {"name": "Old key", "key_id": "CCCCCCCCCC", "issuer_id": ISSUER, "is_enterprise_account": False},
    ]
    for i, k in enumerate(keys):
        k.update({"slug": f"cred{i}", "created_at": "2026-01-0%dT10:00:00Z" % (i + 1), "updated_at": "2026-02-01T10:00:00Z"})
    return apps, files, org_apps, keys, faults


def spec_for_validation(port):
    """Bitrise's OpenAPI 3 document, told about SOURCES.md's defects and unlisted statuses."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "fixtures", "bitrise-openapi.json")
    with open(path) as f:
        spec = json.load(f)
    spec["servers"] = [{"url": f"http://127.0.0.1:{port}{PREFIX}"}]
    schemas = spec["components"]["schemas"]
    # Defect 1: `type: object` beside `allOf: [the string enum]`; the value is the string.
    for name in ("v0.BitriseYMLConfigGetResponse", "v0.BitriseYMLConfigUpdateParams"):
        schemas[name]["properties"]["location"].pop("type", None)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/service.StandardErrorRespModel"}}}
    for p, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            # Defect 2: bitrise.yml's error answers are the JSON error object, not text/plain.
            if p == "/apps/{app_slug}/bitrise.yml":
                for status, resp in op["responses"].items():
                    if status != "200" and "text/plain" in resp.get("content", {}):
                        resp["content"] = copy.deepcopy(error)
            # Statuses real clients meet that the spec does not list.
            for status, why in (("429", "Too Many Requests"), ("403", "Forbidden"), ("502", "Bad Gateway"), ("503", "Service Unavailable")):
                op["responses"].setdefault(status, {"description": why, "content": copy.deepcopy(error)})
            if "429" in op["responses"]:
                op["responses"]["429"].setdefault("headers", {"Retry-After": {"schema": {"type": "integer"}}})
    return spec


class Stub:
    def __init__(self, args):
        self.args = args
        self.apps, self.files, self.org_apps, self.keys, self.faults = scenario_data(args.scenario, args.apps)
        self.lock = threading.Lock()
        self.requests = []
        self.validation_errors = []
        self.validated = {"requests": 0, "responses": 0}
        self.api = None
        self.signing = None

    def load_validator(self, port):
        from openapi_core import Config, OpenAPI

        # Bitrise's document is taken as published: its own schema check is not ours to run.
        self.api = OpenAPI.from_dict(spec_for_validation(port), config=Config(spec_validator_cls=None))

    def fault(self, path):
        with self.lock:
            for key in (path, "*"):
                queue = self.faults.get(key)
                if queue:
                    return queue.pop(0)
        return None

    def validate(self, method, raw_path, headers, status, body, content_type, off_spec):
        if self.api is None:
            return
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
        from werkzeug.test import EnvironBuilder
        from werkzeug.wrappers import Response

        url = urlparse(raw_path)
        req = EnvironBuilder(method=method, path=url.path, base_url=f"http://127.0.0.1:{self.port}",
                             query_string=url.query, headers=dict(headers)).get_request()
        resp = Response(body, status=status, content_type=content_type)
        with self.lock:
            try:
                self.api.validate_request(WerkzeugOpenAPIRequest(req))
                self.validated["requests"] += 1
            except Exception as e:  # noqa: BLE001 - every failure is recorded for the test
                self.validation_errors.append({"kind": "request", "path": raw_path, "error": f"{type(e).__name__}: {e} {e.__cause__ or ''}"})
            if off_spec:
                # A deliberately malformed answer must be one the validator rejects.
                try:
                    self.api.validate_response(WerkzeugOpenAPIRequest(req), WerkzeugOpenAPIResponse(resp))
                    self.validation_errors.append({"kind": "off-spec answer passed", "path": raw_path, "error": "the validator accepted it"})
                except Exception:  # noqa: BLE001
                    pass
                return
            try:
                self.api.validate_response(WerkzeugOpenAPIRequest(req), WerkzeugOpenAPIResponse(resp))
                self.validated["responses"] += 1
            except Exception as e:  # noqa: BLE001
                self.validation_errors.append({"kind": "response", "path": raw_path, "status": status, "error": f"{type(e).__name__}: {e} {e.__cause__ or ''}"})


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
                    payload = {"requests": stub.requests, "validation_errors": stub.validation_errors, "validated": stub.validated}
                return self.reply(200, json.dumps(payload), "application/json", record=False)
            with stub.lock:
                stub.requests.append({
                    "method": "GET",
                    "path": url.path,
                    "query": {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
                    "authorization": self.headers.get("Authorization"),
                    "accept": self.headers.get("Accept"),
                    "user_agent": self.headers.get("User-Agent"),
                })
            if stub.args.delay_ms:
                time.sleep(stub.args.delay_ms / 1000.0)
            status, body, ctype, extra, off_spec = self.answer(url)
            self.reply(status, body, ctype, extra_headers=extra, off_spec=off_spec)

        def answer(self, url):
            path = url.path
            if not path.startswith(PREFIX + "/"):
                return self.error(404, "Not Found")
            path = path[len(PREFIX):]
            if self.headers.get("Authorization") != TOKEN:
                return self.error(401, "Unauthorized")
            fault = stub.fault(path)
            if fault == "429":
                return (429, json.dumps({"message": "API rate limit exceeded"}), "application/json", {"Retry-After": "1"}, False)
            if fault == "429-long":
                return (429, json.dumps({"message": "API rate limit exceeded"}), "application/json", {"Retry-After": "61"}, False)
            if fault in ("403", "404", "502", "503"):
                return self.error(int(fault), {"403": "Forbidden: admin rights required", "404": "Not Found", "502": "Bad Gateway", "503": "Service Unavailable"}[fault])
            if fault == "slow":
                time.sleep(3)
            if fault == "odd":
                return (200, json.dumps({"data": {"slug": 5, "title": ["not", "a", "title"]}}), "application/json", {}, True)
            q = parse_qs(url.query)
            if path == "/me":
                return self.ok({"data": dict(USER, avatar_url="https://example.invalid/u.png", created_at="2025-01-01T00:00:00Z", data_id=7, has_used_organization_trial=False, payment_processor="none", unconfirmed_email="")})
            if path == "/apps" or (path.startswith("/organizations/") and path.endswith("/apps")):
                if path == "/apps":
                    listing = stub.apps
                else:
                    org = path[len("/organizations/"):-len("/apps")]
                    if org not in stub.org_apps:
                        return self.error(404, "Not Found")
                    listing = stub.org_apps[org]
                return self.page(listing, q)
            if path.startswith("/users/") and path.endswith("/apple-api-credentials"):
                user = path[len("/users/"):-len("/apple-api-credentials")]
                if user != USER["slug"]:
                    return self.error(404, "Not Found")
                return self.ok({"data": stub.keys})
            if stub.signing and (got := stub.signing.answer(path, {k: v[0] for k, v in q.items()})):  # issue 30: tests/stubs/bitrise_signing.py
                return (got[0], json.dumps(got[1]), "application/json", {}, False)
            if path.startswith("/apps/"):
                rest = path[len("/apps/"):]
                slug, _, tail = rest.partition("/")
                known = {a["slug"]: a for a in stub.apps}
                if slug not in known:
                    return self.error(404, "Not Found")
                location, text = stub.files[slug]
                if tail == "":
                    return self.ok({"data": known[slug]})
                if tail == "bitrise.yml/config":
                    return self.ok({"location": location})
                if tail == "bitrise.yml":
                    return (200, text, "text/plain; charset=utf-8", {}, False)
            return self.error(404, "Not Found")

        def page(self, listing, q):
            limit = int(q.get("limit", ["50"])[0])
            size = min(limit, stub.args.page_size)
            scenario = stub.args.scenario
            if scenario == "paging-loop":
                return self.ok({"data": listing[:1], "paging": {"next": "again", "page_item_limit": size, "total_item_count": 99}})
            if scenario == "paging-endless":
                n = int(q.get("next", ["p0"])[0][1:]) + 1
                return self.ok({"data": [], "paging": {"next": f"p{n}", "page_item_limit": size, "total_item_count": 10**6}})
            start = 0
            if "next" in q:
                slugs = [a["slug"] for a in listing]
                if q["next"][0] not in slugs:
                    return self.error(400, "Bad Request: unknown next")
                start = slugs.index(q["next"][0])
            data = listing[start:start + size]
            paging = {"page_item_limit": size, "total_item_count": len(listing)}
            if start + size < len(listing):
                paging["next"] = listing[start + size]["slug"]
            return self.ok({"data": data, "paging": paging})

        def ok(self, payload):
            return (200, json.dumps(payload), "application/json", {}, False)

        def error(self, status, message):
            return (status, json.dumps({"message": message}), "application/json", {}, False)

        def reply(self, status, body, ctype, extra_headers=None, record=True, off_spec=False):
            data = body.encode()
            if record:
                stub.validate("GET", self.path, self.headers.items(), status, data, ctype, off_spec)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra_headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="team")
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--signing", help="a bitrise_signing.py manifest: serve its certificates and profiles")
    args = parser.parse_args()
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
