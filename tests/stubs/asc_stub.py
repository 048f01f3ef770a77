"""A loopback stand-in for App Store Connect's signing endpoints (certificates and profiles), for
apple-conn's `signing --apple` tests and benches.

Answers `GET /v1/certificates?filter[serialNumber]=` and `GET /v1/profiles` (paged with
`links.next`) from a manifest, and checks every request and answer with PyPI `openapi-core`
against Apple's own document (tests/fixtures/asc-3.7.0-signing.openapi.json, the subset described
in ../shared/reference/asc-api/SOURCES.md), told about the statuses a client meets that the
subset does not list (429 with Retry-After, 5xx). Errors are Apple's `{"errors":[{status, code,
title, detail}]}`; `mode` in the manifest picks a refusal: agreement (403
FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED), role (403 FORBIDDEN_ERROR), 401, 429, 500.

Prints the port on the first line of stdout, then serves until killed.
Usage: asc_stub.py MANIFEST.json [--delay-ms N] [--no-validate]
"""

import argparse
import copy
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REFUSALS = {
    "agreement": (403, "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED", "A required agreement is missing or has expired.",
                  "This request requires an updated agreement to be accepted by the Account Holder."),
    "role": (403, "FORBIDDEN_ERROR", "This request is forbidden for security reasons",
             "The API key in use does not allow this request"),
    "401": (401, "NOT_AUTHORIZED", "Authentication credentials are missing or invalid.",
            "Provide a properly configured and signed bearer token, and make sure that it has not expired."),
    "429": (429, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.",
            "We've received too many requests for this API. Please wait and try again or slow down your request rate."),
    "500": (500, "UNEXPECTED_ERROR", "An unexpected error occurred.", "An unexpected error occurred on the server side."),
}


def spec_for_validation(port):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "fixtures", "asc-3.7.0-signing.openapi.json")) as f:
        spec = json.load(f)
    spec["servers"] = [{"url": f"http://127.0.0.1:{port}"}]
    declare_apple_dates(spec)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "responses" in op:
                for status, why in (("429", "Too Many Requests"), ("500", "Internal Server Error")):
                    op["responses"].setdefault(status, {"description": why, "content": copy.deepcopy(error)})
    return spec


# A declared defect of the document: its `date-time` fields are written by App Store Connect as
# `2027-05-28T00:00:00.000+0000` (no colon in the offset), which RFC 3339's date-time refuses once a
# format checker is installed (jsonschema's rfc3339-validator). The stand-in answers as Apple does,
# so those fields are checked by this pattern instead: Apple's form or RFC 3339, nothing else.
APPLE_DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$"


def declare_apple_dates(node):
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            del node["format"]
            node["pattern"] = APPLE_DATE_TIME
        for v in node.values():
            declare_apple_dates(v)
    elif isinstance(node, list):
        for v in node:
            declare_apple_dates(v)


class Stub:
    def __init__(self, args):
        self.args = args
        with open(args.manifest) as f:
            self.manifest = json.load(f)
        self.lock = threading.Lock()
        self.requests = []
        self.validation_errors = []
        self.validated = {"requests": 0, "responses": 0}
        self.api = None

    def load_validator(self, port):
        from openapi_core import Config, OpenAPI

        self.api = OpenAPI.from_dict(spec_for_validation(port), config=Config(spec_validator_cls=None))

    def validate(self, raw_path, headers, status, body):
        if self.api is None:
            return
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
        from werkzeug.test import EnvironBuilder
        from werkzeug.wrappers import Response

        url = urlparse(raw_path)
        req = EnvironBuilder(method="GET", path=url.path, base_url=f"http://127.0.0.1:{self.port}",
                             query_string=url.query, headers=dict(headers)).get_request()
        resp = Response(body, status=status, content_type="application/json")
        with self.lock:
            try:
                self.api.validate_request(WerkzeugOpenAPIRequest(req))
                self.validated["requests"] += 1
            except Exception as e:  # noqa: BLE001 - recorded for the test
                self.validation_errors.append({"kind": "request", "path": raw_path, "error": f"{type(e).__name__}: {e} {e.__cause__ or ''}"})
            try:
                self.api.validate_response(WerkzeugOpenAPIRequest(req), WerkzeugOpenAPIResponse(resp))
                self.validated["responses"] += 1
            except Exception as e:  # noqa: BLE001
                self.validation_errors.append({"kind": "response", "path": raw_path, "status": status, "error": f"{type(e).__name__}: {e} {e.__cause__ or ''}"})


def cert_item(c):
    return {"type": "certificates", "id": c["id"], "attributes": {
        "name": c["name"], "certificateType": c["type"], "displayName": c["name"],
        "serialNumber": c["serial"], "platform": "IOS", "expirationDate": c["expires"]},
        "links": {"self": f"/v1/certificates/{c['id']}"}}


def profile_item(p):
    attrs = {"name": p["name"], "platform": "IOS", "profileType": p["type"], "profileState": p["state"],
             "uuid": p["uuid"], "createdDate": "2026-01-01T00:00:00.000+0000", "expirationDate": p["expires"]}
    if p.get("file"):
        import base64
        with open(p["file"], "rb") as f:
            attrs["profileContent"] = base64.b64encode(f.read()).decode()
    return {"type": "profiles", "id": p["id"], "attributes": attrs, "links": {"self": f"/v1/profiles/{p['id']}"}}


def make_handler(stub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/_stats":
                with stub.lock:
                    body = json.dumps({"requests": stub.requests, "validation_errors": stub.validation_errors, "validated": stub.validated})
                return self.reply(200, body, record=False)
            q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            with stub.lock:
                stub.requests.append({"path": url.path, "query": q, "authorization": self.headers.get("Authorization")})
            if stub.args.delay_ms:
                time.sleep(stub.args.delay_ms / 1000.0)
            status, body, extra = self.answer(url.path, q)
            self.reply(status, body, extra)

        def answer(self, path, q):
            auth = self.headers.get("Authorization") or ""
            mode = stub.manifest.get("mode", "ok")
            if not auth.startswith("Bearer ") or len(auth) < 20:
                mode = "401"
            if mode in REFUSALS:
                status, code, title, detail = REFUSALS[mode]
                extra = {"Retry-After": "7"} if status == 429 else {}
                return status, json.dumps({"errors": [{"id": "e1", "status": str(status), "code": code, "title": title, "detail": detail}]}), extra
            if path == "/v1/certificates":
                serial = q.get("filter[serialNumber]", "").lower()
                data = [cert_item(c) for c in stub.manifest.get("certificates", []) if c["serial"].lower() == serial]
                return 200, json.dumps({"data": data, "links": {"self": self.path}, "meta": {"paging": {"total": len(data), "limit": 200}}}), {}
            if path == "/v1/profiles":
                items = stub.manifest.get("profiles", [])
                size = int(stub.manifest.get("page_size", 200))
                start = int(q.get("cursor", "0"))
                page = items[start:start + size]
                links = {"self": self.path}
                if start + size < len(items):
                    links["next"] = f"http://127.0.0.1:{stub.port}/v1/profiles?cursor={start + size}&limit={q.get('limit', '200')}"
                return 200, json.dumps({"data": [profile_item(p) for p in page], "links": links,
                                        "meta": {"paging": {"total": len(items), "limit": size}}}), {}
            return 404, json.dumps({"errors": [{"status": "404", "code": "NOT_FOUND", "title": "Not found", "detail": path}]}), {}

        def reply(self, status, body, extra=None, record=True):
            data = body.encode()
            if record:
                stub.validate(self.path, self.headers.items(), status, data)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("manifest")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    stub = Stub(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(stub))
    server.daemon_threads = True
    stub.port = server.server_address[1]
    if not args.no_validate:
        stub.load_validator(stub.port)
    print(stub.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
