//! Generated workspaces for benchmarks and scale tests (no secrets: keyring references only).

/// A workspace of `apps` apps, each running all nine catalog steps.
pub fn large_workspace_toml(apps: usize) -> String {
    let mut text = String::from("version = 1\nyou = \"alice@example.com\"\n");
    for i in 0..50 {
        text.push_str(&format!(
            "\n[[api_keys]]\nname = \"key {i}\"\nkey_id = \"KEY{i:07}\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n"
        ));
    }
    for i in 0..20 {
        text.push_str(&format!(
            "\n[[apple_ids]]\napple_id = \"member{i}@example.com\"\nowner = \"member{i}@example.com\"\napp_specific_password = {{ keyring = true }}\nauthenticated_at = 2026-11-{:02}T09:30:00Z\n",
            1 + i % 28
        ));
    }
    let steps = [
        (
            "deploy-to-itunesconnect-deliver",
            "connection = \"automatic\"",
        ),
        (
            "deploy-to-itunesconnect-application-loader",
            "connection = \"apple_id\"",
        ),
        (
            "fastlane",
            "connection = \"off\"\napi_key_path = \"file:///keys/AuthKey_ABCDE12345.p8\"\napi_issuer = \"$ASC_ISSUER\"",
        ),
        (
            "ios-auto-provision-appstoreconnect",
            "connection = \"automatic\"",
        ),
        ("ios-auto-provision", ""),
        ("xcode-archive", "automatic_code_signing = \"api-key\""),
        ("export-xcarchive", "automatic_code_signing = \"apple-id\""),
        (
            "xcode-build-for-test",
            "automatic_code_signing = \"api-key\"\napi_key_path = \"$KEY_URL\"\napi_key_id = \"ABCDE12345\"",
        ),
        ("manage-ios-code-signing", ""),
    ];
    for i in 0..apps {
        let member = i % 20;
        text.push_str(&format!(
            "\n[[apps]]\nslug = \"app-{i}\"\nowner = \"member{member}@example.com\"\napi_key = \"key {}\"\napple_id = \"member{member}@example.com\"\n",
            i % 50
        ));
        for (id, inputs) in steps {
            text.push_str(&format!("\n[[apps.steps]]\nid = \"{id}\"\n"));
            if !inputs.is_empty() {
                text.push_str(&format!("[apps.steps.inputs]\n{inputs}\n"));
            }
        }
    }
    text
}

/// A bitrise.yml whose last workflow runs a 200-workflow `before_run` chain of 1,000 steps.
pub fn long_chain_bitrise_yml(workflows: usize, steps_per: usize) -> String {
    let mut t = String::from(
        "format_version: \"13\"\napp:\n  envs:\n  - ISSUER: 57246542-96fe-1a63-e053-0824d011072a\nworkflows:\n",
    );
    for w in 0..workflows {
        t.push_str(&format!("  wf{w}:\n"));
        if w > 0 {
            t.push_str(&format!("    before_run: [wf{}]\n", w - 1));
        }
        t.push_str("    envs:\n    - STAGE: \"");
        t.push_str(&w.to_string());
        t.push_str("\"\n    steps:\n");
        for s in 0..steps_per {
            match s % 5 {
                0 => t.push_str("    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - connection: automatic\n        - api_issuer: $ISSUER\n"),
                1 => t.push_str("    - fastlane@3:\n        inputs:\n        - connection: \"off\"\n        - lane: release_$STAGE\n"),
                2 => t.push_str("    - xcode-archive@6:\n        inputs:\n        - automatic_code_signing: api-key\n"),
                3 => t.push_str("    - script@1:\n        inputs:\n        - content: echo $STAGE\n"),
                _ => t.push_str("    - manage-ios-code-signing@2: {}\n"),
            }
        }
    }
    t
}

/// A modular config: `bitrise.yml` including `files - 1` files, each with `workflows` workflows
/// (5 steps, envs, a `before_run` of its file's first workflow) and one `shared` workflow that every file
/// extends (its steps concatenate across files). Returns (relative path, text) pairs.
pub fn modular_bitrise_yml(files: usize, workflows: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut top = String::from("format_version: \"13\"\ninclude:\n");
    for f in 1..files {
        top.push_str(&format!("- path: ci/part{f}.yml\n"));
    }
    for f in 0..files {
        let mut t = String::new();
        if f > 0 {
            t.push_str(&format!("app:\n  envs:\n  - PART: \"{f}\"\n"));
        }
        t.push_str("workflows:\n  shared:\n    steps:\n    - script@1:\n        inputs:\n        - content: echo $PART\n");
        for w in 0..workflows {
            t.push_str(&format!("  f{f}w{w}:\n"));
            if w > 0 {
                t.push_str(&format!("    before_run: [f{f}w0]\n"));
            }
            t.push_str(&format!(
                "    envs:\n    - STAGE: \"{w}\"\n    - CONNECTION: api_key\n    steps:\n"
            ));
            for s in 0..5 {
                match s {
                    0 => t.push_str("    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - connection: $CONNECTION\n        - api_issuer: $ISSUER\n"),
                    1 => t.push_str("    - fastlane@3:\n        inputs:\n        - connection: \"off\"\n        - lane: release_$STAGE\n"),
                    2 => t.push_str("    - xcode-archive@6:\n        inputs:\n        - automatic_code_signing: api-key\n"),
                    3 => t.push_str("    - script@1:\n        inputs:\n        - content: echo $STAGE\n"),
                    _ => t.push_str("    - manage-ios-code-signing@2: {}\n"),
                }
            }
        }
        if f == 0 {
            out.push(("bitrise.yml".to_string(), format!("{top}{t}")));
        } else {
            out.push((format!("ci/part{f}.yml"), t));
        }
    }
    out
}

/// The bare work of reading a provisioning profile, for `benches/signing.rs` to compare
/// `signing::read_profile` with: `cms`'s decode of the envelope and `plist`'s parse of its content.
pub fn bare_profile_parse(der: &[u8]) -> Option<plist::Value> {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use x509_cert::der::asn1::OctetString;
    use x509_cert::der::{Decode, Encode};
    let info = ContentInfo::from_der(der).ok()?;
    let signed: SignedData = info.content.decode_as().ok()?;
    let content = signed.encap_content_info.econtent?;
    let octets = OctetString::from_der(&content.to_der().ok()?).ok()?;
    plist::Value::from_reader(std::io::Cursor::new(octets.as_bytes())).ok()
}
