//! The API keys uploaded to Bitrise ("Apple Service connection") held against the workspace's,
//! matched by key ID: what `bitrise keys`, `doctor --bitrise` and the TUI show. A key lives in a
//! Bitrise workspace (organization) or with the user who uploaded it, or both; an issuer ID that
//! differs between the two sides is flagged, not taken for another key.

use serde::Serialize;

use super::workspace::ApiKey;

/// Bitrise's document gives `DELETE /organizations/{org}/apple-api-credentials` no parameter that
/// names the key, so apple-conn deletes none: where a person deletes one instead.
pub const DELETE_IN_UI: &str = "delete it on bitrise.io under Workspace settings → Integrations → Apple Service connection (Bitrise's API names no key to delete, so apple-conn does not guess one)";

/// Where on Bitrise a key lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "where", rename_all = "snake_case")]
pub enum Place {
    /// `GET /organizations/{org}/apple-api-credentials`.
    Workspace { org: String, org_name: String },
    /// `GET /users/{user}/apple-api-credentials`.
    User { user: String },
}

impl Place {
    /// `workspace Acme Ltd (org-acme)`, `user u-alice01`.
    pub fn describe(&self) -> String {
        match self {
            Place::Workspace { org, org_name } if org_name.is_empty() || org_name == org => {
                format!("workspace {org}")
            }
            Place::Workspace { org, org_name } => format!("workspace {org_name} ({org})"),
            Place::User { user } => format!("user {user}"),
        }
    }
}

/// One key as Bitrise lists it, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteKey {
    pub name: String,
    pub key_id: String,
    pub issuer_id: String,
    pub enterprise: bool,
    pub slug: Option<String>,
    pub place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Both,
    BitriseOnly,
    LocalOnly,
    Differs,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Both => "both",
            KeyStatus::BitriseOnly => "bitrise_only",
            KeyStatus::LocalOnly => "local_only",
            KeyStatus::Differs => "differs",
        }
    }
}

/// One place a key lives on Bitrise, as the JSON lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Location {
    #[serde(flatten)]
    pub place: Place,
    pub name: String,
    pub slug: Option<String>,
    pub issuer_id: String,
}

/// One row of the `bitrise keys` JSON contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KeyRow {
    pub key_id: String,
    pub issuer_id: Option<String>,
    pub bitrise_name: Option<String>,
    pub local_name: Option<String>,
    pub status: KeyStatus,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<&'static str>,
    /// Where on Bitrise it lives: workspaces first, then the user's own (empty: nowhere).
    pub locations: Vec<Location>,
}

impl KeyRow {
    pub fn in_sync(&self) -> bool {
        self.status == KeyStatus::Both
    }

    /// `workspace Acme Ltd (org-acme), user u-alice01`, or `nowhere on Bitrise`.
    pub fn lives(&self) -> String {
        if self.locations.is_empty() {
            return "nowhere on Bitrise".into();
        }
        self.locations
            .iter()
            .map(|l| l.place.describe())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What to do about it, in a sentence (doctor's WARNING lines, the table's last column).
    pub fn advice(&self) -> String {
        let local = self.local_name.as_deref().unwrap_or("");
        let remote = self.bitrise_name.as_deref().unwrap_or("");
        match self.status {
            KeyStatus::Both => format!(
                "API key {local} ({}) is on Bitrise ({})",
                self.key_id,
                self.lives()
            ),
            KeyStatus::BitriseOnly => format!(
                "API key {remote} ({}) is uploaded to Bitrise ({}) but not in the workspace: apple-conn cannot preview or mint for it; add its .p8 with `apple-conn add api-key`{}",
                self.key_id,
                self.lives(),
                if self
                    .locations
                    .iter()
                    .any(|l| matches!(l.place, Place::Workspace { .. }))
                {
                    format!(", or, if it is no longer used, {DELETE_IN_UI}")
                } else {
                    String::new()
                }
            ),
            KeyStatus::LocalOnly => format!(
                "API key {local} ({}) was never uploaded to Bitrise: steps on bitrise.io won't get it; run `apple-conn bitrise keys upload {}`",
                self.key_id,
                shell_word(local)
            ),
            KeyStatus::Differs if self.differences.contains(&"issuer_id") => {
                let theirs: Vec<String> = self
                    .locations
                    .iter()
                    .filter(|l| Some(&l.issuer_id) != self.issuer_id.as_ref())
                    .map(|l| format!("{} in {}", l.issuer_id, l.place.describe()))
                    .collect();
                format!(
                    "API key {local} ({}) has issuer ID {} here but {} on Bitrise: one side is wrong (the key ID is the same): fix issuer_id in the workspace, or delete the Bitrise copy on bitrise.io and upload it again",
                    self.key_id,
                    self.issuer_id.as_deref().unwrap_or("(none)"),
                    theirs.join(", ")
                )
            }
            KeyStatus::Differs => format!(
                "API key {local} ({}) differs from its Bitrise copy `{remote}` ({}) in {}: make them match",
                self.key_id,
                self.lives(),
                self.differences.join(" and ")
            ),
        }
    }
}

/// A key name as one shell word, so the suggested command can be pasted.
fn shell_word(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+:@,=".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn location(r: &RemoteKey) -> Location {
    Location {
        place: r.place.clone(),
        name: r.name.clone(),
        slug: r.slug.clone(),
        issuer_id: r.issuer_id.clone(),
    }
}

/// Local keys in workspace order, then the keys only Bitrise has, in Bitrise's order (one row
/// per key ID, however many places hold it).
pub fn compare(local: &[ApiKey], remote: &[RemoteKey]) -> Vec<KeyRow> {
    let same_id = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let mut rows = Vec::new();
    for l in local {
        let copies: Vec<&RemoteKey> = remote
            .iter()
            .filter(|r| same_id(&l.key_id, &r.key_id))
            .collect();
        let Some(first) = copies.first() else {
            rows.push(KeyRow {
                key_id: l.key_id.clone(),
                issuer_id: l.issuer_id.clone(),
                bitrise_name: None,
                local_name: Some(l.name.clone()),
                status: KeyStatus::LocalOnly,
                differences: Vec::new(),
                locations: Vec::new(),
            });
            continue;
        };
        let issuer = l.issuer_id.clone().unwrap_or_default();
        let mut differences = Vec::new();
        if copies
            .iter()
            .any(|r| !r.issuer_id.eq_ignore_ascii_case(&issuer))
        {
            differences.push("issuer_id");
        }
        if copies.iter().any(|r| r.name != l.name) {
            differences.push("name");
        }
        if copies.iter().any(|r| r.enterprise != l.enterprise) {
            differences.push("is_enterprise_account");
        }
        rows.push(KeyRow {
            key_id: l.key_id.clone(),
            issuer_id: l.issuer_id.clone(),
            bitrise_name: Some(first.name.clone()),
            local_name: Some(l.name.clone()),
            status: if differences.is_empty() {
                KeyStatus::Both
            } else {
                KeyStatus::Differs
            },
            differences,
            locations: copies.iter().map(|r| location(r)).collect(),
        });
    }
    let mut seen: Vec<&str> = Vec::new();
    for r in remote {
        if local.iter().any(|l| same_id(&l.key_id, &r.key_id))
            || seen.iter().any(|s| same_id(s, &r.key_id))
        {
            continue;
        }
        seen.push(&r.key_id);
        let copies: Vec<&RemoteKey> = remote
            .iter()
            .filter(|c| same_id(&c.key_id, &r.key_id))
            .collect();
        let mut differences = Vec::new();
        if copies
            .iter()
            .any(|c| !c.issuer_id.eq_ignore_ascii_case(&r.issuer_id))
        {
            differences.push("issuer_id");
        }
        rows.push(KeyRow {
            key_id: r.key_id.clone(),
            issuer_id: Some(r.issuer_id.clone()).filter(|i| !i.is_empty()),
            bitrise_name: Some(r.name.clone()),
            local_name: None,
            status: KeyStatus::BitriseOnly,
            differences,
            locations: copies.iter().map(|c| location(c)).collect(),
        });
    }
    rows
}

/// A pulled app whose API key Bitrise may not have: the app came from a Bitrise pull
/// (`[apps.bitrise]`), the build previewed is on Bitrise, and the workspace holds no record of the
/// key there (`[api_keys.bitrise]`, written by `bitrise push` and `bitrise keys upload`). The
/// steps then look fine here while the build on Bitrise gets no key. `seen_on_bitrise` is what a
/// live comparison (`bitrise keys`, the TUI's after a pull) said of the key, when one ran: a key
/// found there needs no warning.
pub fn unuploaded_key_warning(
    ws: &super::workspace::Workspace,
    app: &super::workspace::App,
    env: super::resolution::Environment,
    seen_on_bitrise: Option<bool>,
) -> Option<String> {
    if env != super::resolution::Environment::Bitrise
        || app.bitrise.is_none()
        || seen_on_bitrise == Some(true)
    {
        return None;
    }
    let key = ws.api_key(app.api_key.as_deref()?)?;
    if key.bitrise.is_some() {
        return None;
    }
    let known = if seen_on_bitrise == Some(false) {
        "is not on Bitrise"
    } else {
        "was never uploaded to Bitrise by apple-conn (no [api_keys.bitrise] record)"
    };
    Some(format!(
        "API key {} ({}) is assigned to {} here but {known}: the build on Bitrise will not have that key. `apple-conn bitrise push` uploads it (or records it, if Bitrise has it already) and assigns it",
        shell_word(&key.name),
        key.key_id,
        app.slug
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(name: &str, key_id: &str, enterprise: bool) -> ApiKey {
        ApiKey {
            name: name.into(),
            key_id: key_id.into(),
            issuer_id: Some("iss-1".into()),
            kind: Default::default(),
            enterprise,
            owner: None,
            private_key: Default::default(),
            fingerprint: None,
            bitrise: None,
        }
    }

    #[test]
    fn a_pulled_app_is_warned_of_a_key_bitrise_may_not_have() {
        use crate::domain::resolution::Environment;
        let ws: crate::domain::workspace::Workspace = toml::from_str(
            "version = 1\nyou = \"me@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"iss-1\"\n\n[[api_keys]]\nname = \"Up\"\nkey_id = \"BBBBBBBBBB\"\nissuer_id = \"iss-1\"\n[api_keys.bitrise]\norg = \"o\"\nslug = \"k\"\n\n[[apps]]\nslug = \"pulled\"\napi_key = \"CI key\"\n[apps.bitrise]\npulled_at = 2026-12-01T10:00:00Z\n\n[[apps]]\nslug = \"local\"\napi_key = \"CI key\"\n\n[[apps]]\nslug = \"ok\"\napi_key = \"Up\"\n[apps.bitrise]\n",
        )
        .unwrap();
        let warn =
            |slug: &str, env, seen| unuploaded_key_warning(&ws, ws.app(slug).unwrap(), env, seen);
        let w = warn("pulled", Environment::Bitrise, None).unwrap();
        assert!(
            w.contains("'CI key' (AAAAAAAAAA)")
                && w.contains("will not have that key")
                && w.contains("apple-conn bitrise push"),
            "{w}"
        );
        assert!(
            warn("pulled", Environment::Bitrise, Some(false))
                .unwrap()
                .contains("is not on Bitrise")
        );
        // Found there by a live comparison, a local build, an app never pulled, a recorded key.
        assert_eq!(warn("pulled", Environment::Bitrise, Some(true)), None);
        assert_eq!(warn("pulled", Environment::Local, None), None);
        assert_eq!(warn("local", Environment::Bitrise, None), None);
        assert_eq!(warn("ok", Environment::Bitrise, None), None);
    }

    fn remote(name: &str, key_id: &str, issuer: &str, enterprise: bool) -> RemoteKey {
        RemoteKey {
            name: name.into(),
            key_id: key_id.into(),
            issuer_id: issuer.into(),
            enterprise,
            slug: Some(format!("s-{key_id}")),
            place: Place::User { user: "u-1".into() },
        }
    }

    #[test]
    fn one_row_per_key_id_with_every_place_and_the_issuer_flagged() {
        let mut in_org = remote("CI", "AAAAAAAAAA", "iss-1", false);
        in_org.place = Place::Workspace {
            org: "org-a".into(),
            org_name: "Acme".into(),
        };
        let mut other = remote("Theirs", "EEEEEEEEEE", "iss-9", false);
        other.place = in_org.place.clone();
        let rows = compare(
            &[local("CI", "AAAAAAAAAA", false)],
            &[
                in_org,
                remote("CI", "AAAAAAAAAA", "iss-2", false),
                other.clone(),
                remote("Theirs", "EEEEEEEEEE", "iss-9", false),
            ],
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].status, KeyStatus::Differs);
        assert_eq!(rows[0].differences, ["issuer_id"]);
        assert_eq!(rows[0].lives(), "workspace Acme (org-a), user u-1");
        assert!(
            rows[0].advice().contains("iss-2 in user u-1"),
            "{}",
            rows[0].advice()
        );
        assert_eq!(rows[1].status, KeyStatus::BitriseOnly);
        assert_eq!(rows[1].locations.len(), 2);
        let json = serde_json::to_value(&rows[0]).unwrap();
        assert_eq!(json["locations"][0]["where"], "workspace");
        assert_eq!(json["locations"][0]["org"], "org-a");
        assert_eq!(json["locations"][1]["where"], "user");
    }

    #[test]
    fn every_status_by_key_id_and_issuer() {
        let rows = compare(
            &[
                local("CI", "AAAAAAAAAA", false),
                local("Release", "BBBBBBBBBB", false),
                local("Mine", "CCCCCCCCCC", false),
            ],
            &[
                remote("CI", "AAAAAAAAAA", "iss-1", false),
                remote("Store", "BBBBBBBBBB", "iss-1", true),
                remote("Other team", "CCCCCCCCCC", "iss-2", false),
            ],
        );
        let got: Vec<(&str, KeyStatus)> =
            rows.iter().map(|r| (r.key_id.as_str(), r.status)).collect();
        assert_eq!(
            got,
            [
                ("AAAAAAAAAA", KeyStatus::Both),
                ("BBBBBBBBBB", KeyStatus::Differs),
                ("CCCCCCCCCC", KeyStatus::Differs),
            ]
        );
        assert_eq!(rows[2].differences, ["issuer_id", "name"]);
        assert_eq!(rows[1].differences, ["name", "is_enterprise_account"]);
        let json = serde_json::to_value(&rows[0]).unwrap();
        assert!(json.get("differences").is_none());
        assert_eq!(json["status"], "both");
    }
}
