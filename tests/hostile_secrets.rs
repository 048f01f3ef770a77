//! Issue 25, holes 3, 9 and 10, attacked through the real binary with a real gnome-keyring:
//! two processes adding one connection at once, Apple IDs that alias another's secrets, and a
//! read-only look at someone else's workspace that used to move this host's keyring entries.

mod common;
mod signin_stub;

use common::keyring::{fingerprint, in_keyring, secret_service, section};
use common::*;

/// Hole 3: two `add api-key` of one key id race on one workspace. One wins; the other fails
/// before it writes anything, so the winner's keyring entry still holds the winner's key.
#[test]
fn two_processes_adding_one_key_leave_the_winner_whole() {
    if !secret_service() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    let p8a = openssl_p256(dir.path(), "a.p8");
    let p8b = openssl_p256(dir.path(), "b.p8");
    let rounds = 4;
    let script = format!(
        r#"W='{ws}'
for i in $(seq 1 {rounds}); do
  rm -f "$W" "$W.bak"
  "$B" -c "$W" init --you alice@example.com 2>/dev/null
  ( "$B" -c "$W" add api-key --name "k$i" --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8a}' 2>/tmp/race-a-$$; echo "a=$?" ) > out-a &
  ( "$B" -c "$W" add api-key --name "k$i" --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8b}' 2>/tmp/race-b-$$; echo "b=$?" ) > out-b &
  wait
  echo "--- round"
  cat out-a out-b
  echo "errors: $(cat /tmp/race-a-$$ /tmp/race-b-$$ | tr '\n' ' ')"
  ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
  echo "fingerprint: $(sed -n 's/^fingerprint = "\(.*\)"$/\1/p' "$W")"
  echo "entry:"
  secret-tool lookup service apple-conn username "$ID/api-key/ABCDE12345" || echo "NO ENTRY"
  echo
  if "$B" -c "$W" token "k$i" >/dev/null; then echo "token: ok"; else echo "token: FAILED"; fi
  secret-tool clear service apple-conn username "$ID/api-key/ABCDE12345" || true
done
echo "--- end"
"#,
        ws = ws.display(),
        p8a = p8a.display(),
        p8b = p8b.display(),
    );
    let (ok, stdout, stderr) = in_keyring(dir.path(), &script);
    assert!(ok, "{stdout}\n{stderr}");
    let fa = fingerprint(&std::fs::read_to_string(&p8a).unwrap());
    let fb = fingerprint(&std::fs::read_to_string(&p8b).unwrap());
    let rounds_out: Vec<&str> = stdout.split("--- round\n").skip(1).collect();
    assert_eq!(rounds_out.len(), rounds, "{stdout}");
    for round in rounds_out {
        let round = round.split("--- end").next().unwrap();
        let codes: Vec<&str> = round
            .lines()
            .filter(|l| l.starts_with(['a', 'b']) && l.contains('='))
            .collect();
        let winners = codes.iter().filter(|l| l.ends_with("=0")).count();
        assert_eq!(winners, 1, "exactly one add wins: {round}");
        assert!(
            round.contains("already in the workspace")
                || round.contains("already exists")
                || round.contains("another apple-conn is changing"),
            "the loser says why: {round}"
        );
        let listed = round
            .lines()
            .find_map(|l| l.strip_prefix("fingerprint: "))
            .unwrap();
        let entry = round.split("entry:\n").nth(1).unwrap();
        assert!(
            !entry.starts_with("NO ENTRY"),
            "the winner's secret was deleted: {round}"
        );
        let stored = fingerprint(entry.split("\ntoken:").next().unwrap());
        assert_eq!(
            stored, listed,
            "the entry holds the key the workspace lists: {round}"
        );
        assert!(stored == fa || stored == fb);
        assert!(round.contains("token: ok"), "{round}");
    }
}

/// Hole 9: an Apple ID that is not an e-mail address is refused at add and by `check`, and a
/// hand-written one never reaches another connection's keyring entries.
#[test]
fn an_apple_id_with_a_slash_is_refused_and_cannot_alias() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let w = ws.to_str().unwrap();
    for bad in [
        "dev@example.com/",
        "dev@example.com%2F",
        "dev@example.com#x",
        "dev@exa mple.com",
        "dev@example.com?a",
        "dev\n@example.com",
    ] {
        let mut c = bin();
        c.args([
            "-c",
            w,
            "add",
            "apple-id",
            "--apple-id",
            bad,
            "--password-from",
            "env:PW",
        ])
        .env("PW", "pw");
        let r = run(&mut c);
        assert_eq!(r.code, 2, "{bad}: {}", r.all());
        assert!(
            r.stderr.contains("which an email address cannot")
                || r.stderr.contains("must be an email address"),
            "{}",
            r.stderr
        );
    }
    let text = std::fs::read_to_string(&ws).unwrap();
    write(
        &ws,
        &text.replacen(
            "\n[[apps]]",
            "\n[[apple_ids]]\napple_id = \"dev@example.com/\"\n\n[[apps]]",
            1,
        ),
    );
    let r = run(bin().args(["-c", w, "check"]));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.all().contains("dev@example.com/") && r.all().contains("'/'"),
        "{}",
        r.all()
    );
}

/// Hole 10: `check --secrets` on someone else's workspace (another id, the same key id) must not
/// move this host's old unscoped entry into that workspace's scope.
#[test]
fn a_read_of_another_workspace_moves_no_keyring_entry() {
    if !secret_service() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("theirs.toml");
    let other_id = "fedcba9876543210fedcba9876543210";
    write(
        &theirs,
        &format!(
            "version = 1\nyou = \"mallory@example.com\"\nworkspace_id = \"{other_id}\"\n\n[[api_keys]]\nname = \"ci\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\n"
        ),
    );
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let script = format!(
        r#"T='{theirs}'
secret-tool store --label mine service apple-conn username api-key/ABCDE12345 < '{p8}'
"$B" -c "$T" check --secrets >/dev/null 2>&1 || true
"$B" -c "$T" token ci >/dev/null 2>&1 || true
echo "--- mine"
secret-tool lookup service apple-conn username api-key/ABCDE12345 | head -1 || true
echo "--- theirs"
secret-tool lookup service apple-conn username '{other_id}/api-key/ABCDE12345' || echo NONE
"#,
        theirs = theirs.display(),
        p8 = p8.display()
    );
    let (ok, stdout, stderr) = in_keyring(dir.path(), &script);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        section(&stdout, "mine").contains("BEGIN PRIVATE KEY"),
        "this host's entry stays where it was: {stdout}"
    );
    assert_eq!(section(&stdout, "theirs").trim(), "NONE", "{stdout}");
}

/// Hole 12: an entry in this workspace's scope that no connection refers to (what a killed run
/// leaves) is named by `check --secrets` and deleted by `secrets prune`, which asks first: without
/// a terminal it lists and needs --yes. Another workspace's entries are never touched.
#[test]
fn check_names_and_prune_deletes_unreferenced_entries() {
    if !secret_service() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let other = "fedcba9876543210fedcba9876543210";
    let script = format!(
        r#"W='{ws}'
"$B" -c "$W" add api-key --name ci --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8}'
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
printf 'left-behind' | secret-tool store --label x service apple-conn username "$ID/apple-id/gone@example.com/session"
printf 'theirs' | secret-tool store --label x service apple-conn username '{other}/api-key/ORPHAN1234'
echo "--- check"
"$B" -c "$W" check --secrets 2>&1 || true
echo "--- prune without a terminal"
if "$B" -c "$W" secrets prune </dev/null 2>&1; then echo "rc=0"; else echo "rc=$?"; fi
secret-tool lookup service apple-conn username "$ID/apple-id/gone@example.com/session" || echo GONE
echo
echo "--- prune --yes"
"$B" -c "$W" secrets prune --yes 2>&1
echo "--- after"
secret-tool lookup service apple-conn username "$ID/apple-id/gone@example.com/session" || echo GONE
secret-tool lookup service apple-conn username '{other}/api-key/ORPHAN1234' || echo "THEIRS GONE"
echo
"$B" -c "$W" token ci >/dev/null && echo "token ok"
echo "--- check again"
"$B" -c "$W" check --secrets 2>&1 || true
"#,
        ws = ws.display(),
        p8 = p8.display()
    );
    let (ok, stdout, stderr) = in_keyring(dir.path(), &script);
    assert!(ok, "{stdout}\n{stderr}");
    let check = section(&stdout, "check");
    assert!(
        check.contains("not referenced: apple-conn/")
            && check.contains("/apple-id/gone@example.com/session"),
        "{check}"
    );
    assert!(
        !check.contains("ORPHAN1234"),
        "another workspace's entry: {check}"
    );
    let asked = section(&stdout, "prune without a terminal");
    assert!(
        asked.contains("rc=1") && asked.contains("pass --yes"),
        "{asked}"
    );
    assert!(
        asked.contains("left-behind"),
        "nothing deleted without --yes: {asked}"
    );
    let pruned = section(&stdout, "prune --yes");
    assert!(pruned.contains("deleted 1 entry"), "{pruned}");
    let after = section(&stdout, "after");
    assert!(
        after.contains("GONE") && after.contains("theirs") && after.contains("token ok"),
        "{after}"
    );
    assert!(
        !section(&stdout, "check again").contains("not referenced"),
        "{stdout}"
    );
}

/// Hole 11: moving a session off a session file apple-conn wrote (`reauth --store keyring`)
/// deletes that file: its live cookies never stay behind, untracked.
#[test]
fn moving_a_session_off_its_file_deletes_the_file() {
    if !secret_service() {
        return;
    }
    let Some(stub) = signin_stub::stub(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let session = dir.path().join("session.json");
    let script = format!(
        r#"W='{ws}'
export TEST_PW=pw-trusted TEST_CODE=123456
"$B" -c "$W" add apple-id --apple-id trusted@example.com --password-from env:TEST_PW --store reference --session-file '{session}' --apple-auth-url '{url}' --code-from env:TEST_CODE
if [ -f '{session}' ]; then echo "--- file written"; fi
"$B" -c "$W" reauth trusted@example.com --store keyring --apple-auth-url '{url}' --code-from env:TEST_CODE
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
if secret-tool lookup service apple-conn username "$ID/apple-id/trusted@example.com/session" >/dev/null; then echo "--- in keyring"; fi
if [ -e '{session}' ]; then echo "--- FILE LEFT"; else echo "--- file gone"; fi
"#,
        ws = ws.display(),
        url = stub.url,
        session = session.display()
    );
    let (ok, stdout, stderr) = in_keyring(dir.path(), &script);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("--- file written"), "{stdout}\n{stderr}");
    assert!(stdout.contains("--- in keyring"), "{stdout}\n{stderr}");
    assert!(stdout.contains("--- file gone"), "{stdout}\n{stderr}");
    assert!(
        !std::fs::read_to_string(&ws)
            .unwrap()
            .contains("session.json")
    );
}
