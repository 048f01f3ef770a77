//! `--demo`'s stand-in for Apple: a trusted-device flow that accepts 123456, offers two numbers,
//! and stamps its 30-day session with the caller's clock (the harness fixes it).

use chrono::{DateTime, Utc};

use crate::apple::session::{StoredCookie, StoredSession};
use crate::apple::signin::{
    CodeAnswer, CodeRequest, CodeSource, Delivery, Phone, Progress, Retry, SignInError, SignedIn,
};
use crate::domain::workspace::Team;

/// The demo's two-factor sign-in (no network).
pub fn sign_in(
    apple_id: &str,
    now: DateTime<Utc>,
    codes: &mut dyn CodeSource,
    progress: &mut dyn Progress,
) -> Result<SignedIn, SignInError> {
    progress.step("Signing in (demo service)…");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let phones = vec![
        Phone {
            id: 1,
            number: "+1 (•••) •••-••11".into(),
            push_mode: "sms".into(),
        },
        Phone {
            id: 2,
            number: "+44 •••• •••••22".into(),
            push_mode: "voice".into(),
        },
    ];
    let mut delivery = Delivery::TrustedDevices;
    let mut retry = None;
    loop {
        let request = CodeRequest {
            delivery: delivery.clone(),
            phones: phones.clone(),
            length: 6,
            retry: retry.take(),
        };
        match codes.answer(&request)? {
            CodeAnswer::Cancel => return Err(SignInError::Cancelled),
            CodeAnswer::SendToPhone(id) => {
                if let Some(p) = phones.iter().find(|p| p.id == id) {
                    delivery = Delivery::Phone(p.clone());
                }
            }
            CodeAnswer::Code(c) if c == "123456" => break,
            // The demo accepts 123456 only (see `--demo`).
            CodeAnswer::Code(_) => retry = Some(Retry::WrongCode),
        }
    }
    progress.step("Trusting this session (demo)…");
    Ok(signed(apple_id, now, demo_teams()))
}

/// The demo's trusted refresh: a trust cookie in the stored session is enough.
pub fn refresh(
    apple_id: &str,
    stored: &StoredSession,
    now: DateTime<Utc>,
    progress: &mut dyn Progress,
) -> Option<SignedIn> {
    if !stored.cookies.iter().any(|c| c.name.starts_with("DES")) {
        return None;
    }
    progress.step("The trust cookie is alive: refreshing without a code (demo service)…");
    Some(signed(apple_id, now, Vec::new()))
}

fn demo_teams() -> Vec<Team> {
    vec![Team {
        id: "DEMO123456".into(),
        name: "Demo Team".into(),
    }]
}

fn signed(apple_id: &str, now: DateTime<Utc>, teams: Vec<Team>) -> SignedIn {
    let session = session(now);
    let expires_at = session.trust_expires_at();
    SignedIn {
        session,
        teams,
        account: apple_id.into(),
        expires_at,
        warnings: Vec::new(),
    }
}

/// A 30-day trust cookie created at `now`.
fn session(now: DateTime<Utc>) -> StoredSession {
    StoredSession {
        version: 1,
        created_at: now,
        cookies: vec![StoredCookie {
            name: "DESdemo".into(),
            value: "demo-trust".into(),
            domain: "idmsa.apple.com".into(),
            path: "/".into(),
            secure: true,
            httponly: true,
            for_domain: true,
            expires: None,
            max_age: Some(2_592_000),
        }],
    }
}
