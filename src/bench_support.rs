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
