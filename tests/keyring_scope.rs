//! Keyring entries scoped by the workspace id, against the real Secret Service (gnome-keyring).

mod common;

use std::path::Path;

use common::keyring::{fingerprint, in_keyring, secret_service, section};
use common::*;

fn workspace_id(ws: &Path) -> String {
    let text = std::fs::read_to_string(ws).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["workspace_id"]
        .as_str()
        .expect("a workspace_id")
        .to_string()
}

#[test]
fn two_workspaces_with_the_same_key_id_keep_two_entries() {
    if !secret_service() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let c = dir.path().join("c.toml");
    let da = tempfile::tempdir().unwrap();
    let dc = tempfile::tempdir().unwrap();
    let p8a = openssl_p256(da.path(), "AuthKey_ABCDE12345.p8");
    let p8c = openssl_p256(dc.path(), "AuthKey_ABCDE12345.p8");
    let script = format!(
        r#"A='{a}'; C='{c}'
"$B" -c "$A" init --you alice@example.com
"$B" -c "$C" init --you alice@example.com
"$B" -c "$A" add api-key --name "CI key" --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8a}'
"$B" -c "$C" add api-key --name "CI key" --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8c}'
echo "--- search"
secret-tool search --all service apple-conn 2>&1 | grep '^attribute.username'
echo "--- remove"
"$B" -c "$A" remove api-key "CI key"
if "$B" -c "$C" token "CI key" >/dev/null; then echo "--- other token ok"; fi
echo "--- other entry"
secret-tool lookup service apple-conn username "$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$C")/api-key/ABCDE12345"
echo "--- after"
secret-tool search --all service apple-conn 2>&1 | grep '^attribute.username' || true
"#,
        a = a.display(),
        c = c.display(),
        p8a = p8a.display(),
        p8c = p8c.display()
    );
    let (ok, stdout, stderr) = in_keyring(dir.path(), &script);
    assert!(ok, "{stdout}\n{stderr}");
    let (ida, idc) = (workspace_id(&a), workspace_id(&c));
    assert_ne!(ida, idc, "init makes a new id per workspace");
    let search = section(&stdout, "search");
    assert!(
        search.contains(&format!("username = {ida}/api-key/ABCDE12345"))
            && search.contains(&format!("username = {idc}/api-key/ABCDE12345")),
        "two scoped entries: {search}"
    );
    assert!(
        !search.contains("username = api-key/"),
        "no unscoped entry: {search}"
    );
    assert!(
        stderr.contains(&format!("as apple-conn/{ida}/api-key/ABCDE12345")),
        "add names the scoped entry: {stderr}"
    );
    assert!(
        stdout.contains("--- other token ok"),
        "the other workspace still mints: {stdout}\n{stderr}"
    );
    let other = section(&stdout, "other entry");
    assert_eq!(
        fingerprint(other),
        fingerprint(&std::fs::read_to_string(&p8c).unwrap()),
        "the other workspace's entry holds its own key, not the first one's"
    );
    let after = section(&stdout, "after");
    assert!(!after.contains(&ida), "removed: {after}");
    assert!(after.contains(&idc), "kept: {after}");
}

#[test]
fn an_old_workspace_keeps_working_and_is_migrated_on_its_next_save() {
    if !secret_service() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let other = openssl_p256(dir.path(), "AuthKey_FFFFF12345.p8");
    // An old apple-conn's state: no id in the file, the key under the unscoped name.
    let script = format!(
        r#"W='{ws}'
"$B" -c "$W" add api-key --name "CI key" --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8}'
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
secret-tool clear service apple-conn username "$ID/api-key/ABCDE12345"
secret-tool store --label old service apple-conn username api-key/ABCDE12345 < '{p8}'
grep -v '^workspace_id' "$W" > "$W.old"; cat "$W.old" > "$W"; cp "$W" "$W.before"
echo "--- legacy token"
"$B" -c "$W" token "CI key" | cut -c1-3
"$B" -c "$W" check --secrets >/dev/null
"$B" -c "$W" preview >/dev/null
if cmp -s "$W" "$W.before"; then echo "--- read-only opens left the file alone"; fi
"$B" -c "$W" add api-key --name "Other" --key-id FFFFF12345 --issuer-id {ISSUER} --p8 '{other}' --store reference
echo "--- migrated token"
"$B" -c "$W" token "CI key" | cut -c1-3
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
echo "--- scoped"
secret-tool lookup service apple-conn username "$ID/api-key/ABCDE12345"
if secret-tool lookup service apple-conn username api-key/ABCDE12345 >/dev/null; then echo "--- OLD STILL THERE"; else echo "--- old gone"; fi
"#,
        ws = ws.display(),
        p8 = p8.display(),
        other = other.display()
    );
    let (ok, stdout, stderr) = in_keyring(dir.path(), &script);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(section(&stdout, "legacy token").trim(), "eyJ", "{stderr}");
    assert!(
        stdout.contains("--- read-only opens left the file alone"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("# my CI connections"),
        "saved in place: {text}"
    );
    let id = workspace_id(&ws);
    assert_eq!(id.len(), 32);
    assert_eq!(section(&stdout, "migrated token").trim(), "eyJ", "{stderr}");
    assert_eq!(
        fingerprint(section(&stdout, "scoped")),
        fingerprint(&std::fs::read_to_string(&p8).unwrap()),
        "the old entry was copied to the scoped name"
    );
    assert!(stdout.contains("--- old gone"), "{stdout}");
}

#[test]
fn a_bad_workspace_id_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        "version = 1\nyou = \"alice@example.com\"\nworkspace_id = \"../../etc\"\n",
    );
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains(":3:")
            && r.stderr
                .contains("workspace_id must be 16 to 64 hex digits"),
        "{}",
        r.stderr
    );
}

#[test]
fn init_writes_an_id_and_a_hand_added_settings_table_still_fits() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "init",
        "--you",
        "alice@example.com",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let id = workspace_id(&ws);
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    write(&ws, &format!("{text}\n[settings]\ntheme = \"mono\"\n"));
    let check = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(check.code, 0, "{}", check.all());
}

/// Issue 33, hole 6: a file that copies another's `workspace_id` claims nothing in the keyring.
/// The id is bound on this host to the file that made it; the copy's `prune` searches nothing,
/// its `remove` deletes nothing, its `add` writes nothing under the id, while the original's key
/// keeps minting and its own `prune` still works. A file whose id this host never bound (written
/// by hand, from before owners) owns nothing until `secrets adopt`.
#[test]
fn a_copied_workspace_id_claims_nothing_in_the_keyring() {
    if !secret_service() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let copy = dir.path().join("copy.toml");
    let legacy = dir.path().join("legacy.toml");
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let other = openssl_p256(dir.path(), "AuthKey_FFFFF12345.p8");
    let hand_id = "00112233445566778899aabbccddeeff";
    write(
        &legacy,
        &format!("version = 1\nyou = \"alice@example.com\"\nworkspace_id = \"{hand_id}\"\n"),
    );
    let script = format!(
        r#"A='{a}'; C='{copy}'; L='{legacy}'
"$B" -c "$A" init --you alice@example.com
"$B" -c "$A" add api-key --name ci --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8}'
cp "$A" "$C"
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$A")
printf 'left-behind' | secret-tool store --label x service apple-conn username "$ID/apple-id/gone@example.com/session"
echo "--- copy prune"
"$B" -c "$C" secrets prune --yes 2>&1 || echo "rc=$?"
echo "--- copy remove"
"$B" -c "$C" remove api-key ci 2>&1 || echo "rc=$?"
echo "--- copy add"
"$B" -c "$C" add api-key --name other --key-id FFFFF12345 --issuer-id {ISSUER} --p8 '{other}' 2>&1 || echo "rc=$?"
echo "--- original"
"$B" -c "$A" token ci | cut -c1-3
secret-tool lookup service apple-conn username "$ID/apple-id/gone@example.com/session" || echo GONE
echo
if secret-tool lookup service apple-conn username "$ID/api-key/FFFFF12345" >/dev/null; then echo "COPY WROTE"; else echo "copy wrote nothing"; fi
echo "--- original prune"
"$B" -c "$A" secrets prune --yes 2>&1
secret-tool lookup service apple-conn username "$ID/apple-id/gone@example.com/session" || echo GONE
echo
echo "--- legacy prune"
printf 'old' | secret-tool store --label x service apple-conn username '{hand_id}/api-key/OLD1234567'
"$B" -c "$L" secrets prune --yes 2>&1 || echo "rc=$?"
secret-tool lookup service apple-conn username '{hand_id}/api-key/OLD1234567' || echo GONE
echo
echo "--- legacy adopt"
"$B" -c "$L" secrets adopt 2>&1
"$B" -c "$L" secrets prune --yes 2>&1
secret-tool lookup service apple-conn username '{hand_id}/api-key/OLD1234567' || echo GONE
echo
echo "--- copy adopt"
"$B" -c "$C" secrets adopt 2>&1 || echo "rc=$?"
"#,
        a = a.display(),
        copy = copy.display(),
        legacy = legacy.display(),
        p8 = p8.display(),
        other = other.display()
    );
    let (ok, stdout, stderr) = in_keyring(dir.path(), &script);
    assert!(ok, "{stdout}\n{stderr}");
    let id = workspace_id(&a);
    let copy_prune = section(&stdout, "copy prune");
    assert!(
        copy_prune.contains("not searched: the OS keyring")
            && copy_prune.contains("claims nothing")
            && !copy_prune.contains("deleted"),
        "{copy_prune}"
    );
    let copy_remove = section(&stdout, "copy remove");
    assert!(
        copy_remove.contains("not this workspace's, kept: apple-conn/")
            && copy_remove.contains("claims nothing")
            && !copy_remove.contains("rc="),
        "{copy_remove}"
    );
    let copy_add = section(&stdout, "copy add");
    assert!(
        copy_add.contains("rc=") && copy_add.contains("nothing written"),
        "{copy_add}"
    );
    let original = section(&stdout, "original");
    assert!(
        original.starts_with("eyJ"),
        "A still mints: {original}\n{stderr}"
    );
    assert!(
        original.contains("left-behind") && original.contains("copy wrote nothing"),
        "{original}"
    );
    let original_prune = section(&stdout, "original prune");
    assert!(
        original_prune.contains("deleted 1 entry") && original_prune.contains("GONE"),
        "the owner's prune still works: {original_prune}"
    );
    let legacy_prune = section(&stdout, "legacy prune");
    assert!(
        legacy_prune.contains("secrets adopt") && legacy_prune.contains("old"),
        "an unbound id owns nothing: {legacy_prune}"
    );
    let adopt = section(&stdout, "legacy adopt");
    assert!(
        adopt.contains(&format!("now owns workspace_id {hand_id}"))
            && adopt.contains("deleted 1 entry")
            && adopt.contains("GONE"),
        "{adopt}"
    );
    let copy_adopt = section(&stdout, "copy adopt");
    assert!(
        copy_adopt.contains("rc=") && copy_adopt.contains(&id),
        "a copy cannot adopt a live owner's id: {copy_adopt}"
    );
}
