"""A loopback stub of Apple's sign-in service (apple-id-signin.md §10), for apple-conn's tests.

The SRP server side is PyPI `srp` (configured as pyicloud does: RFC 5054, no username in x,
SHA-256, the 2048-bit group): an implementation nobody on this project wrote.
Prints the port on the first line of stdout, then serves until killed.
"""

import base64
import hashlib
import json
import os
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import srp
import srp._pysrp as pysrp

srp.rfc5054_enable()
srp.no_username_in_x()

N, G = pysrp.get_ng(srp.NG_2048, None, None)
WIDGET_KEY = "stub-widget-key-0001"
CODE = "123456"
ITERATIONS = 1000

ACCOUNTS = {
    # email: (password, scenario, protocol)
    "trusted@example.com": ("pw-trusted", "devices", "s2k"),
    "fo@example.com": ("pw-fo", "devices", "s2k_fo"),
    "sms1@example.com": ("pw-sms1", "sms1", "s2k"),
    "sms2@example.com": ("pw-sms2", "sms2", "s2k"),
    "nofa@example.com": ("pw-nofa", "no2fa", "s2k"),
    "locked@example.com": ("pw-locked", "locked", "s2k"),
    "privacy@example.com": ("pw-privacy", "privacy", "s2k"),
    "down@example.com": ("pw-down", "down", "s2k"),
    "limited@example.com": ("pw-limited", "limited", "s2k"),
    "noteam@example.com": ("pw-noteam", "noteam", "s2k"),
    "upgrade@example.com": ("pw-upgrade", "upgrade", "s2k"),
    "twostep@example.com": ("pw-twostep", "twostep", "s2k"),
    "busy@example.com": ("pw-busy", "busy", "s2k"),
}
LEGACY_CODE = "1234"
DEVICES = [{"id": "11", "name": "Ann's iPhone", "modelName": "iPhone 15"}, {"id": "12", "name": "Ann's iPad", "modelName": "iPad"}]
BUSY_PAGE = "<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503 Service Temporarily Unavailable</h1></body></html>"

PHONES = {
    "devices": [{"id": 1, "numberWithDialCode": "+49 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022\u202285", "pushMode": "sms", "obfuscatedNumber": "\u2022\u2022\u2022\u2022 85", "lastTwoDigits": "85"}],
    "sms1": [{"id": 1, "numberWithDialCode": "+1 (\u2022\u2022\u2022) \u2022\u2022\u2022-\u2022\u202211", "pushMode": "sms", "obfuscatedNumber": "(\u2022\u2022\u2022) 11"}],
    "sms2": [
        {"id": 1, "numberWithDialCode": "+1 (\u2022\u2022\u2022) \u2022\u2022\u2022-\u2022\u202211", "pushMode": "sms"},
        {"id": 2, "numberWithDialCode": "+44 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u202222", "pushMode": "voice"},
    ],
}

STATE = {
    "lock": threading.Lock(),
    "config_404": "--config-404" in sys.argv,
    "pending": {},  # c -> (account, verifier)
    "sessions": {},  # session id -> {"account", "sent": bool, "wrong": int, "verified": bool, "phone": id}
    "des": set(),  # trust cookie values issued
    "myacinfo": set(),
    "stats": {"complete": {}, "init": 0, "verify_phone": [], "codes": [], "requests": [], "unrequested_codes": 0},
    "hc_bits": "10",
    "acinfo_account": {},  # myacinfo value -> account (olympus answers for that account)
    "repair": {},  # step tokens of the upgrade-later flow
}
for i, arg in enumerate(sys.argv):
    if arg == "--hc-bits" and i + 1 < len(sys.argv):
        STATE["hc_bits"] = sys.argv[i + 1]
    # A hostile server's PBKDF2 count (the client must refuse one under 1,000 or over 10,000,000).
    if arg == "--iterations" and i + 1 < len(sys.argv):
        ITERATIONS = int(sys.argv[i + 1])


def derive(password, salt, iterations, protocol):
    p = hashlib.sha256(password.encode()).digest()
    if protocol == "s2k_fo":
        p = p.hex().encode()
    return hashlib.pbkdf2_hmac("sha256", p, salt, iterations, 32)


SALTS = {}


def verifier_for(account):
    password, _, protocol = ACCOUNTS[account]
    if account not in SALTS:
        salt = b"\x01" + os.urandom(15)
        SALTS[account] = salt
    salt = SALTS[account]
    key = derive(password, salt, ITERATIONS, protocol)
    x = int.from_bytes(hashlib.sha256(salt + hashlib.sha256(b":" + key).digest()).digest(), "big")
    v = pow(G, x, N)
    return salt, v.to_bytes((v.bit_length() + 7) // 8, "big"), protocol


def check_hashcash(stamp, challenge):
    if not stamp:
        return False
    parts = stamp.split(":")
    if len(parts) != 6 or parts[0] != "1" or parts[3] != challenge:
        return False
    bits = int(parts[1])
    digest = hashlib.sha1(stamp.encode()).digest()
    value = int.from_bytes(digest, "big")
    return value >> (160 - bits) == 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self):
        # Every request, as the tests assert what was sent (never only the exit code).
        keep = ("Cookie", "scnt", "X-Apple-ID-Session-Id", "X-Apple-Session-Token", "X-Apple-Repair-Session-Token", "X-Apple-Widget-Key", "X-Apple-Skip-Repair-Attributes", "X-Apple-HC", "Accept")
        with STATE["lock"]:
            STATE["stats"]["requests"].append({"method": self.command, "path": urlparse(self.path).path, "headers": {k: self.headers.get(k) for k in keep if self.headers.get(k) is not None}})

    def new_acinfo(self, account):
        acinfo = "DAWTKNV2" + secrets.token_urlsafe(24)
        with STATE["lock"]:
            STATE["myacinfo"].add(acinfo)
            STATE["acinfo_account"][acinfo] = account
        return acinfo

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def send(self, status, payload=None, headers=(), html=None):
        data = b""
        ctype = "application/json"
        if html is not None:
            data, ctype = html.encode(), "text/html"
        elif payload is not None:
            data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def cookies(self):
        out = {}
        for part in (self.headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                out[k] = v
        return out

    def session(self):
        sid = self.headers.get("X-Apple-ID-Session-Id")
        scnt = self.headers.get("scnt")
        with STATE["lock"]:
            s = STATE["sessions"].get(sid)
        if not s or scnt != s["scnt"]:
            return None
        return s

    def do_GET(self):
        self.record()
        url = urlparse(self.path)
        q = parse_qs(url.query)
        if url.path == "/olympus/v1/app/config":
            if STATE["config_404"] or q.get("hostname") != ["itunesconnect.apple.com"]:
                return self.send(404, {})
            return self.send(200, {"authServiceKey": WIDGET_KEY, "authServiceUrl": "/appleauth"})
        if url.path == "/appleauth/auth/signin":
            challenge = secrets.token_hex(16)
            with STATE["lock"]:
                STATE["challenge"] = challenge
            return self.send(200, html="<html></html>", headers=[("X-Apple-HC-Bits", STATE["hc_bits"]), ("X-Apple-HC-Challenge", challenge)])
        if url.path == "/appleauth/auth":
            s = self.session()
            if not s:
                return self.send(401, {"serviceErrors": [{"code": "-20101", "message": "no session"}]})
            scenario = ACCOUNTS[s["account"]][1]
            if scenario == "twostep":
                # Legacy two-step: devices, no phone numbers; nothing is sent until a PUT names one.
                return self.send(200, {"trustedDevices": DEVICES, "securityCode": {"length": 4}, "authType": "hsa"})
            body = {
                "trustedPhoneNumbers": PHONES.get(scenario, PHONES["devices"]),
                "securityCode": {"length": 6, "tooManyCodesSent": False, "tooManyCodesValidated": False, "securityCodeLocked": s["wrong"] >= 3, "securityCodeCooldown": False},
                "authenticationType": "hsa2",
                "hsa2Account": True,
            }
            if scenario in ("sms1", "sms2"):
                body["noTrustedDevices"] = True
                body["mode"] = "sms"
            if scenario == "sms1":
                s["sent"] = True  # Apple already texted the only number
                s["phone"] = 1
            return self.send(200, body)
        if url.path == "/appleauth/auth/2sv/trust":
            s = self.session()
            if not s or not s["verified"]:
                return self.send(401, {"serviceErrors": [{"code": "-20101"}]})
            if ACCOUNTS[s["account"]][1] == "noteam":
                # Apple refuses trust for an account on no team (fastlane: "we don't really care").
                return self.send(403, {"serviceErrors": [{"code": "-20209", "message": "not on a team"}]})
            des_name = "DES" + hashlib.md5(s["account"].encode()).hexdigest()
            des = "HSARMTKNSRVTW" + secrets.token_urlsafe(24) + "==SRVT"
            acinfo = self.new_acinfo(s["account"])
            with STATE["lock"]:
                STATE["des"].add(des)
            return self.send(204, None, headers=[
                ("Set-Cookie", f"{des_name}={des}; Max-Age=2592000; Path=/; HttpOnly"),
                ("Set-Cookie", f"myacinfo={acinfo}; Path=/; HttpOnly"),
                ("X-Apple-TwoSV-Trust-Token", des),
            ])
        if url.path == "/olympus/v1/session":
            c = self.cookies()
            with STATE["lock"]:
                ok = c.get("myacinfo") in STATE["myacinfo"]
                account = STATE["acinfo_account"].get(c.get("myacinfo"), "")
            if not ok:
                return self.send(401, html="<html>Unauthorized</html>")
            if account in ACCOUNTS and ACCOUNTS[account][1] == "noteam":
                return self.send(200, {"user": {"emailAddress": account}, "availableProviders": []})
            return self.send(200, {
                "user": {"emailAddress": account},
                "provider": {"providerId": 118, "name": "Shop Inc", "contentTypes": ["SOFTWARE"]},
                "availableProviders": [{"providerId": 118, "name": "Shop Inc"}, {"providerId": 7, "name": "Acme Ltd"}],
            }, headers=[("Set-Cookie", "dqsid=stub-dqsid; Max-Age=1800; Path=/")])
        if url.path == "/widget/account/repair":
            scnt = "scnt-repair-" + secrets.token_hex(4)
            with STATE["lock"]:
                STATE["repair"]["page_scnt"] = scnt
            return self.send(200, html="<html>repair</html>", headers=[("scnt", scnt)])
        if url.path == "/account/manage/repair/options":
            r = STATE["repair"]
            ok = (self.headers.get("scnt") == r.get("page_scnt") and self.headers.get("X-Apple-Session-Token") == r.get("repair_token")
                  and self.headers.get("X-Apple-ID-Session-Id") == r.get("sid") and self.headers.get("X-Apple-Skip-Repair-Attributes") == "[]"
                  and self.headers.get("X-Apple-Widget-Key") == r.get("widget"))
            if not ok:
                return self.send(401, {"serviceErrors": [{"code": "-1", "message": "bad repair options headers"}]})
            token, scnt = "options-token-" + secrets.token_hex(4), "scnt-options-" + secrets.token_hex(4)
            r.update({"options_token": token, "options_scnt": scnt})
            return self.send(200, {"requiredSteps": ["hsa2_enrollment"]}, headers=[("X-Apple-Session-Token", token), ("scnt", scnt)])
        if url.path == "/account/security/upgrade/setuplater":
            r = STATE["repair"]
            ok = self.headers.get("scnt") == r.get("options_scnt") and self.headers.get("X-Apple-Session-Token") == r.get("options_token")
            if ok:
                r["later"] = True
            return self.send(200 if ok else 401, {})
        if url.path == "/stats":
            with STATE["lock"]:
                return self.send(200, STATE["stats"])
        if url.path == "/_test/end-sessions":
            # Apple ends every session (myacinfo) but honours the trust cookies it handed out.
            with STATE["lock"]:
                STATE["myacinfo"].clear()
            return self.send(200, {})
        return self.send(404, {})

    def do_PUT(self):
        self.record()
        url = urlparse(self.path)
        if url.path.startswith("/appleauth/auth/verify/device/") and url.path.endswith("/securitycode"):
            s = self.session()
            dev = url.path[len("/appleauth/auth/verify/device/"):-len("/securitycode")]
            if not s or dev not in [d["id"] for d in DEVICES]:
                return self.send(400, {"serviceErrors": [{"code": "-1", "message": "unknown device"}]})
            s["sent"], s["phone"] = True, dev
            return self.send(200, {"securityCode": {"length": 4}})
        if url.path == "/appleauth/auth/verify/phone":
            s = self.session()
            b = self.body() or {}
            if not s:
                return self.send(401, {})
            pid = (b.get("phoneNumber") or {}).get("id")
            scenario = ACCOUNTS[s["account"]][1]
            if pid not in [p["id"] for p in PHONES.get(scenario, PHONES["devices"])]:
                return self.send(400, {"serviceErrors": [{"code": "-28248", "message": "cannot send"}]})
            s["sent"] = True
            s["phone"] = pid
            with STATE["lock"]:
                STATE["stats"]["verify_phone"].append({"id": pid, "mode": b.get("mode")})
            return self.send(200, {"trustedPhoneNumber": {"id": pid}})
        return self.send(404, {})

    def do_POST(self):
        self.record()
        url = urlparse(self.path)
        if url.path == "/appleauth/auth/repair/complete":
            r = STATE["repair"]
            ok = (r.get("later") and self.headers.get("scnt") == r.get("scnt") and self.headers.get("X-Apple-ID-Session-Id") == r.get("sid")
                  and self.headers.get("X-Apple-Repair-Session-Token") == r.get("options_token"))
            if not ok:
                return self.send(400, {"serviceErrors": [{"code": "-1", "message": "repair not completed"}]})
            acinfo = self.new_acinfo(r["account"])
            return self.send(204, None, headers=[("Set-Cookie", f"myacinfo={acinfo}; Path=/; HttpOnly")])
        b = self.body()
        if b is None:
            return self.send(400, {"serviceErrors": [{"code": "-1", "message": "bad JSON"}]})
        if url.path == "/appleauth/auth/signin/init":
            if self.headers.get("X-Apple-Widget-Key") != WIDGET_KEY and not STATE["config_404"]:
                return self.send(400, {"serviceErrors": [{"code": "-1", "message": "bad widget key"}]})
            account = b.get("accountName")
            if account not in ACCOUNTS:
                return self.send(401, {"serviceErrors": [{"code": "-20101", "message": "Check the account information you entered and try again."}]})
            salt, v, protocol = verifier_for(account)
            a = base64.b64decode(b["a"])
            ver = srp.Verifier(account, salt, v, a, hash_alg=srp.SHA256, ng_type=srp.NG_2048)
            s, B = ver.get_challenge()
            c = "d-227-" + secrets.token_hex(8) + ":PRN"
            with STATE["lock"]:
                STATE["pending"][c] = (account, ver)
                STATE["stats"]["init"] += 1
            return self.send(200, {"iteration": ITERATIONS, "salt": base64.b64encode(s).decode(), "protocol": protocol, "b": base64.b64encode(B).decode(), "c": c}, headers=[("scnt", "scnt-init-" + secrets.token_hex(4))])
        if url.path == "/appleauth/auth/signin/complete":
            with STATE["lock"]:
                pending = STATE["pending"].pop(b.get("c"), None)
            if not pending:
                return self.send(400, {"serviceErrors": [{"code": "-1", "message": "unknown c"}]})
            account, ver = pending
            with STATE["lock"]:
                st = STATE["stats"]["complete"]
                st[account] = st.get(account, 0) + 1
                STATE["last_account"] = account
            if not check_hashcash(self.headers.get("X-Apple-HC"), STATE.get("challenge")):
                return self.send(403, {"serviceErrors": [{"code": "-1", "message": "hashcash missing"}]})
            hamk = ver.verify_session(base64.b64decode(b["m1"]))
            if hamk is None or hamk != base64.b64decode(b["m2"]):
                return self.send(401, {"serviceErrors": [{"code": "-20101", "message": "Check the account information you entered and try again.", "suppressDismissal": False}]})
            scenario = ACCOUNTS[account][1]
            if scenario == "locked":
                return self.send(403, {"serviceErrors": [{"code": "-20209", "message": "This Apple ID has been locked for security reasons."}]}, headers=[("X-Apple-I-Ercd", "-20209")])
            if scenario == "privacy":
                return self.send(412, {"authType": "hsa2"}, headers=[("X-Apple-Repair-Session-Token", "x")])
            if scenario == "down":
                return self.send(503, html="<html>503 Service Temporarily Unavailable</html>")
            if scenario == "limited":
                return self.send(429, {}, headers=[("Retry-After", "60")])
            if scenario == "busy":
                return self.send(200, html=BUSY_PAGE)
            if scenario == "upgrade":
                sid, scnt, token = secrets.token_hex(16), "scnt-412-" + secrets.token_hex(4), "repair-" + secrets.token_hex(4)
                with STATE["lock"]:
                    STATE["repair"] = {"sid": sid, "scnt": scnt, "repair_token": token, "widget": "repair-widget", "account": account}
                host = self.headers.get("Host")
                return self.send(412, {"authType": "hsa2"}, headers=[
                    ("Location", f"http://{host}/widget/account/repair?widgetKey=repair-widget#!repair"),
                    ("X-Apple-ID-Session-Id", sid), ("scnt", scnt), ("X-Apple-Repair-Session-Token", token)])
            des_ok = any(k.startswith("DES") and v.strip('"') in STATE["des"] and v.startswith('"') for k, v in self.cookies().items())
            if scenario == "no2fa" or des_ok:
                acinfo = self.new_acinfo(account)
                return self.send(200, {"authType": "hsa2"}, headers=[("Set-Cookie", f"myacinfo={acinfo}; Path=/; HttpOnly")])
            sid = secrets.token_hex(16)
            scnt = "scnt-" + secrets.token_hex(8)
            with STATE["lock"]:
                STATE["sessions"][sid] = {"account": account, "scnt": scnt, "sent": scenario == "devices", "wrong": 0, "verified": False, "phone": None}
            return self.send(409, {"authType": "hsa2"}, headers=[("X-Apple-ID-Session-Id", sid), ("scnt", scnt), ("X-Apple-Session-Token", "tok"), ("X-Apple-TwoSV-Trust-Eligible", "true")])
        if url.path in ("/appleauth/auth/verify/trusteddevice/securitycode", "/appleauth/auth/verify/phone/securitycode"):
            s = self.session()
            if not s:
                return self.send(401, {})
            code = (b.get("securityCode") or {}).get("code")
            with STATE["lock"]:
                STATE["stats"]["codes"].append({"path": url.path, "code": code, "phone": (b.get("phoneNumber") or {}).get("id"), "mode": b.get("mode")})
                if not s["sent"]:
                    STATE["stats"]["unrequested_codes"] += 1
            if ACCOUNTS[s["account"]][1] == "twostep":
                # fastlane posts the device's code to verify/phone with the device id and mode sms.
                if url.path.endswith("phone/securitycode") and s["sent"] and (b.get("phoneNumber") or {}).get("id") == s["phone"] and b.get("mode") == "sms" and code == LEGACY_CODE:
                    s["verified"] = True
                    return self.send(200, {})
                s["wrong"] += 1
                return self.send(400, {"validationErrors": [{"code": "-21669", "message": "Incorrect verification code."}], "securityCodeLocked": False, "accountLocked": False, "authType": "hsa"})
            if s["wrong"] >= 3:
                return self.send(400, {"securityCodeLocked": True, "service_errors": [{"code": "-21669"}]})
            phone_ok = url.path.endswith("trusteddevice/securitycode") or ((b.get("phoneNumber") or {}).get("id") == s["phone"] and s["sent"])
            if code != CODE or not phone_ok:
                s["wrong"] += 1
                return self.send(400, {"service_errors": [{"code": "-21669", "title": "Incorrect Verification Code", "message": "Incorrect verification code.", "suppressDismissal": False}], "hasError": True}, headers=[("X-Apple-I-Ercd", "-21669")])
            s["verified"] = True
            if ACCOUNTS[s["account"]][1] == "noteam":
                # This account's cookie comes with the code: its trust is refused below.
                acinfo = self.new_acinfo(s["account"])
                return self.send(204, None, headers=[("Set-Cookie", f"myacinfo={acinfo}; Path=/; HttpOnly")])
            return self.send(204 if "trusteddevice" in url.path else 200, None if "trusteddevice" in url.path else {})
        if url.path == "/olympus/v1/session":
            return self.send(200, {})
        return self.send(404, {})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
