//! A connection's details (Enter on the Connections pane): identity, secrets, owner, users.

use ratatui::text::{Line, Span};

use crate::theme::Theme;
use crate::tui::state::{AppState, ConnRow};

/// Where the key is uploaded: what apple-conn recorded, else what `B` last read from Bitrise.
fn key_on_bitrise(s: &AppState, k: &crate::domain::workspace::ApiKey) -> String {
    use crate::domain::bitrise_keys::KeyStatus;
    if let Some(b) = &k.bitrise {
        return match b.uploaded_at {
            Some(at) => format!(
                "uploaded to workspace {} (slug {}) by apple-conn at {}",
                b.org,
                b.slug,
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            None => format!(
                "in workspace {} (slug {}), found there by apple-conn",
                b.org, b.slug
            ),
        };
    }
    match s.on_bitrise.as_ref().and_then(|m| m.get(&k.key_id)) {
        Some(KeyStatus::Both | KeyStatus::Differs) => {
            "uploaded (seen by the last pull; `apple-conn bitrise keys` says where)".into()
        }
        Some(_) => "not uploaded: `apple-conn bitrise keys upload` or P uploads it".into(),
        None => "not known: B pulls from Bitrise and reads the keys there".into(),
    }
}

/// The title and the lines of the details of `row`.
pub fn lines(s: &AppState, theme: &Theme, row: ConnRow) -> (String, Vec<Line<'static>>) {
    let ws = &s.loaded.workspace;
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<22}"), theme.key_hint),
            Span::styled(v, theme.text),
        ])
    };
    let mut lines = Vec::new();
    let (title, users) = match row {
        ConnRow::ApiKey(i) => {
            let Some(k) = ws.api_keys.get(i) else {
                return ("API key".into(), lines);
            };
            lines.push(field("name", k.name.clone()));
            lines.push(field("key ID", k.key_id.clone()));
            lines.push(field(
                "issuer ID",
                k.issuer_id
                    .clone()
                    .unwrap_or_else(|| "none (an individual key has no issuer)".into()),
            ));
            lines.push(field("kind", k.kind.as_str().to_string()));
            lines.push(field(
                "enterprise",
                if k.enterprise { "yes" } else { "no" }.to_string(),
            ));
            lines.push(field("owner", k.owner(ws).to_string()));
            lines.push(field("private key in", k.private_key.describe()));
            lines.push(field(
                "fingerprint (SHA-256)",
                k.fingerprint
                    .clone()
                    .unwrap_or_else(|| "not recorded (added by hand)".into()),
            ));
            lines.push(field("on Bitrise", key_on_bitrise(s, k)));
            (
                format!("API key · {}", k.name),
                ws.apps_using_api_key(&k.name),
            )
        }
        ConnRow::AppleId(i) => {
            let Some(a) = ws.apple_ids.get(i) else {
                return ("Apple ID".into(), lines);
            };
            lines.push(field("Apple ID", a.apple_id.clone()));
            lines.push(field("owner", a.owner(ws).to_string()));
            lines.push(field("password in", a.password.describe()));
            lines.push(field(
                "app-specific password",
                a.app_specific_password
                    .as_ref()
                    .map(|r| r.describe())
                    .unwrap_or_else(|| "none".into()),
            ));
            lines.push(field(
                "session in",
                a.session
                    .as_ref()
                    .map(|r| r.describe())
                    .unwrap_or_else(|| "the OS keyring".into()),
            ));
            lines.push(field("2FA session", a.session_state(s.now).describe(s.now)));
            if let Some(at) = a.authenticated_at {
                lines.push(field(
                    "authenticated at",
                    at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ));
            }
            (
                format!("Apple ID · {}", a.apple_id),
                ws.apps_using_apple_id(&a.apple_id),
            )
        }
    };
    lines.push(Line::from(""));
    if users.is_empty() {
        lines.push(Line::from(Span::styled("No app uses it.", theme.muted)));
    } else {
        lines.push(Line::from(Span::styled(
            format!("Used by {} app(s):", users.len()),
            theme.title,
        )));
        lines.extend(
            users
                .iter()
                .map(|u| Line::from(Span::styled(format!("  • {u}"), theme.text))),
        );
    }
    (title, lines)
}
