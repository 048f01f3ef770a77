//! The API keys uploaded to Bitrise ("Apple Service connection") held against the workspace's,
//! matched by key ID and issuer ID: what `bitrise keys`, `doctor --bitrise` and the TUI show.

use serde::Serialize;

use super::workspace::ApiKey;

/// One key as Bitrise lists it (`GET /users/{user}/apple-api-credentials`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteKey {
    pub name: String,
    pub key_id: String,
    pub issuer_id: String,
    pub enterprise: bool,
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
}

impl KeyRow {
    pub fn in_sync(&self) -> bool {
        self.status == KeyStatus::Both
    }

    /// What to do about it, in a sentence (doctor's WARNING lines, the table's last column).
    pub fn advice(&self) -> String {
        let local = self.local_name.as_deref().unwrap_or("");
        let remote = self.bitrise_name.as_deref().unwrap_or("");
        match self.status {
            KeyStatus::Both => format!("API key {local} ({}) is on Bitrise", self.key_id),
            KeyStatus::BitriseOnly => format!(
                "API key {remote} ({}) is uploaded to Bitrise but not in the workspace: apple-conn cannot preview or mint for it; add its .p8 with `apple-conn add api-key`",
                self.key_id
            ),
            KeyStatus::LocalOnly => format!(
                "API key {local} ({}) was never uploaded to Bitrise: steps on bitrise.io won't get it; upload it under Workspace settings → Integrations (Apple Service connection)",
                self.key_id
            ),
            KeyStatus::Differs => format!(
                "API key {local} ({}) differs from its Bitrise copy `{remote}` in {}: make them match",
                self.key_id,
                self.differences.join(" and ")
            ),
        }
    }
}

/// Local keys in workspace order, then the keys only Bitrise has, in Bitrise's order.
pub fn compare(local: &[ApiKey], remote: &[RemoteKey]) -> Vec<KeyRow> {
    let issuer = |k: &ApiKey| k.issuer_id.clone().unwrap_or_default();
    let same = |l: &ApiKey, r: &RemoteKey| {
        l.key_id.eq_ignore_ascii_case(&r.key_id) && issuer(l).eq_ignore_ascii_case(&r.issuer_id)
    };
    let mut rows = Vec::new();
    for l in local {
        let row = match remote.iter().find(|r| same(l, r)) {
            Some(r) => {
                let mut differences = Vec::new();
                if l.name != r.name {
                    differences.push("name");
                }
                if l.enterprise != r.enterprise {
                    differences.push("is_enterprise_account");
                }
                KeyRow {
                    key_id: l.key_id.clone(),
                    issuer_id: l.issuer_id.clone(),
                    bitrise_name: Some(r.name.clone()),
                    local_name: Some(l.name.clone()),
                    status: if differences.is_empty() {
                        KeyStatus::Both
                    } else {
                        KeyStatus::Differs
                    },
                    differences,
                }
            }
            None => KeyRow {
                key_id: l.key_id.clone(),
                issuer_id: l.issuer_id.clone(),
                bitrise_name: None,
                local_name: Some(l.name.clone()),
                status: KeyStatus::LocalOnly,
                differences: Vec::new(),
            },
        };
        rows.push(row);
    }
    for r in remote {
        if !local.iter().any(|l| same(l, r)) {
            rows.push(KeyRow {
                key_id: r.key_id.clone(),
                issuer_id: Some(r.issuer_id.clone()).filter(|i| !i.is_empty()),
                bitrise_name: Some(r.name.clone()),
                local_name: None,
                status: KeyStatus::BitriseOnly,
                differences: Vec::new(),
            });
        }
    }
    rows
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
        }
    }

    fn remote(name: &str, key_id: &str, issuer: &str, enterprise: bool) -> RemoteKey {
        RemoteKey {
            name: name.into(),
            key_id: key_id.into(),
            issuer_id: issuer.into(),
            enterprise,
        }
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
                ("CCCCCCCCCC", KeyStatus::LocalOnly),
                ("CCCCCCCCCC", KeyStatus::BitriseOnly),
            ]
        );
        assert_eq!(rows[1].differences, ["name", "is_enterprise_account"]);
        let json = serde_json::to_value(&rows[0]).unwrap();
        assert!(json.get("differences").is_none());
        assert_eq!(json["status"], "both");
    }
}
