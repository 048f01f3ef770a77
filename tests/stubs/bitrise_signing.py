"""Bitrise's signing-file routes (the 2026-08 document) for the loopback stand-in, plus the
pre-signed download host: a SECOND loopback server that serves the files and records whether a
request carried any Authorization header (the Bitrise token must never reach it).

`GET /v0.1/apps/{app-slug}/build-certificates` and `/provisioning-profiles` (paged: `limit` <= 50,
`next` = the slug to start at), and the single GETs with `download_url` (and
`certificate_password`), every request and answer checked with PyPI `openapi-core` against
tests/fixtures/bitrise-ci-2026-08.openapi.json (a copy of ../shared/reference/bitrise-api/).

bitrise_stub.py hooks `Signing.answer` with one dispatch line; run alone it is its own API server:
prints "API_PORT DOWNLOAD_PORT" on the first line, then serves until killed.
Usage: bitrise_signing.py MANIFEST.json [--delay-ms N] [--no-validate]
MANIFEST: {"token": "...", "page_size": 2, "apps": {"slug": {"certificates": [{"slug", "file",
"name", "password", "certificates": [{"serial", "expiry_date"}]}], "profiles": [{"slug", "file", "name"}]}}}
"""

import argparse
import copy
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PREFIX = "/v0.1"
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/service.StandardErrorRespModel"}}}


def spec_for_validation(port):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "fixtures", "bitrise-ci-2026-08.openapi.json")) as f:
        spec = json.load(f)
    spec["servers"] = [{"url": f"http://127.0.0.1:{port}{PREFIX}"}]
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "responses" in op:
                for status, why in (("429", "Too Many Requests"), ("403", "Forbidden"), ("502", "Bad Gateway")):
                    op["responses"].setdefault(status, {"description": why, "content": copy.deepcopy(ERROR)})
    return spec


class Downloads:
    """The pre-signed host: one-time style URLs `/dl/<random>`; records each request's headers."""

    def __init__(self, delay_ms=0):
        self.delay_ms = delay_ms
        self.files = {}
        self.lock = threading.Lock()
        self.requests = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def url_for(self, path):
        key = secrets.token_hex(12)
        with self.lock:
            self.files[key] = path
        return f"http://127.0.0.1:{self.port}/dl/{key}?X-Amz-Signature={secrets.token_hex(16)}"

    def handler(self):
        downloads = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                key = url.path[len("/dl/"):]
                with downloads.lock:
                    downloads.requests.append({"path": url.path, "authorization": self.headers.get("Authorization")})
                    path = downloads.files.get(key)
                if downloads.delay_ms:
                    time.sleep(downloads.delay_ms / 1000.0)
                if path is None:
                    data, status = b"<Error><Code>AccessDenied</Code></Error>", 403
                else:
                    with open(path, "rb") as f:
                        data, status = f.read(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


class Signing:
    def __init__(self, manifest, port, validate=True, delay_ms=0):
        self.manifest = manifest
        self.port = port
        self.downloads = Downloads(delay_ms)
        self.lock = threading.Lock()
        self.validation_errors = []
        self.validated = {"requests": 0, "responses": 0}
        self.api = None
        if validate:
            from openapi_core import Config, OpenAPI

            self.api = OpenAPI.from_dict(spec_for_validation(port), config=Config(spec_validator_cls=None))

    def answer(self, path, query):
        """(status, body) for a signing route (path without /v0.1), or None when not one."""
        if not path.startswith("/apps/"):
            return None
        parts = path[len("/apps/"):].split("/")
        if len(parts) < 2 or parts[1] not in ("build-certificates", "provisioning-profiles"):
            return None
        app = self.manifest["apps"].get(parts[0])
        if app is None:
            return 404, {"message": "Not Found"}
        kind = "certificates" if parts[1] == "build-certificates" else "profiles"
        items = app.get(kind, [])
        if len(parts) == 2:
            limit = min(int(query.get("limit", "50")), 50, int(self.manifest.get("page_size", 50)))
            slugs = [i["slug"] for i in items]
            start = slugs.index(query["next"]) if query.get("next") in slugs else 0
            page = [self.item(kind, i, single=False) for i in items[start:start + limit]]
            paging = {"page_item_limit": limit, "total_item_count": len(items)}
            if start + limit < len(items):
                paging["next"] = items[start + limit]["slug"]
            return 200, {"data": page, "paging": paging}
        found = [i for i in items if i["slug"] == parts[2]]
        if len(parts) != 3 or not found:
            return 404, {"message": "Not Found"}
        return 200, {"data": self.item(kind, found[0], single=True)}

    def item(self, kind, i, single):
        out = {"slug": i["slug"], "upload_file_name": i["name"], "upload_file_size": os.path.getsize(i["file"]),
               "processed": True, "is_expose": True, "is_protected": False}
        if kind == "certificates":
            out["certificates"] = i.get("certificates", [])
            out["file_sha256"] = i.get("sha256", "0" * 64)
            if single:
                out["certificate_password"] = i.get("password", "")
        if single:
            out["download_url"] = self.downloads.url_for(i["file"])
        return out

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
            for kind, check in (("request", lambda: self.api.validate_request(WerkzeugOpenAPIRequest(req))),
                                ("response", lambda: self.api.validate_response(WerkzeugOpenAPIRequest(req), WerkzeugOpenAPIResponse(resp)))):
                try:
                    check()
                    self.validated[kind + "s"] += 1
                except Exception as e:  # noqa: BLE001 - recorded for the test
                    self.validation_errors.append({"kind": kind, "path": raw_path, "status": status, "error": f"{type(e).__name__}: {e} {e.__cause__ or ''}"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("manifest")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    with open(args.manifest) as f:
        manifest = json.load(f)
    state = {"requests": []}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/_stats":
                with signing.lock:
                    body = {"requests": state["requests"], "downloads": signing.downloads.requests,
                            "validation_errors": signing.validation_errors, "validated": signing.validated}
                return self.reply(200, body, record=False)
            q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            with signing.lock:
                state["requests"].append({"path": url.path, "query": q, "authorization": self.headers.get("Authorization")})
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000.0)
            if self.headers.get("Authorization") != manifest.get("token"):
                return self.reply(401, {"message": "Unauthorized"})
            path = url.path[len(PREFIX):] if url.path.startswith(PREFIX + "/") else url.path
            got = signing.answer(path, q)
            if got is None:
                return self.reply(404, {"message": "Not Found"})
            self.reply(*got)

        def reply(self, status, payload, record=True):
            data = json.dumps(payload).encode()
            if record:
                signing.validate(self.path, self.headers.items(), status, data)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    signing = Signing(manifest, server.server_address[1], validate=not args.no_validate, delay_ms=args.delay_ms)
    print(server.server_address[1], signing.downloads.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
