//! `signing` and `doctor --signing`: every signing file an app's steps use (local files, Bitrise's
//! uploads, what Apple holds) and the findings. Secrets are read on the calling thread (the
//! keyring is not shared); the network reads run on `jobs` threads, one app at a time each.

pub mod apple;
pub mod bitrise;
pub mod local;
pub mod steps;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};

use crate::domain::signing::apple::AppleView;
use crate::domain::signing::files::{CertFile, ProfileFile};
use crate::domain::signing::findings::{AppInput, judge};
use crate::domain::signing::report::{AppReport, Report, rows};
use crate::domain::signing::settings::SigningSettings;
use crate::domain::signing::steps::{SigningStep, signing_steps};
use crate::domain::workspace::{App, KeyKind};
use crate::secrets::SecretStore;
use crate::store::Loaded;

/// Default number of apps read at once from Bitrise and Apple.
pub const DEFAULT_JOBS: usize = 4;

/// What to look at and where to ask.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// `--app`: this app only.
    pub only_app: Option<&'a str>,
    /// `--bitrise`: read the files uploaded to Bitrise.
    pub bitrise: bool,
    /// `--apple`: ask App Store Connect with the app's assigned key.
    pub apple: bool,
    /// Bitrise's API URL (`--api-url`), else the workspace's choice.
    pub bitrise_url: Option<&'a str>,
    /// App Store Connect's API URL, else the workspace's choice.
    pub apple_url: Option<&'a str>,
    pub jobs: usize,
    /// Overrides `[settings.signing] warn_days`.
    pub warn_days: Option<i64>,
}

/// One app, prepared on the calling thread: everything but the network reads.
struct Prepared<'a> {
    app: &'a App,
    steps: Vec<SigningStep>,
    certs: Vec<CertFile>,
    profiles: Vec<ProfileFile>,
    asker: Option<Result<apple::Asker, (String, crate::domain::signing::apple::AppleRefusal)>>,
    unreachable: Vec<String>,
}

/// The report over the apps in scope; Err: the app named by `--app` does not exist.
/// `now` judges expiries (`--now`); `live` signs the token Apple judges by its own clock.
pub fn look(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    opts: &Options,
    now: DateTime<Utc>,
    live: crate::ops::Clock,
) -> Result<Report, String> {
    let ws = &loaded.workspace;
    if let Some(slug) = opts.only_app
        && ws.app(slug).is_none()
    {
        return Err(ws.no_app(slug));
    }
    let warn_days = opts
        .warn_days
        .unwrap_or_else(|| SigningSettings::warn_days(ws.settings.signing.as_ref()));
    let bitrise = opts.bitrise.then(|| {
        crate::ops::bitrise::connect(loaded, keyring, opts.bitrise_url).map_err(|e| e.to_string())
    });
    let mut prepared = Vec::new();
    for app in ws
        .apps
        .iter()
        .filter(|a| opts.only_app.is_none_or(|s| s == a.slug))
    {
        let mut unreachable = Vec::new();
        let steps = match steps::step_uses(loaded, app) {
            Ok(uses) => signing_steps(&loaded.catalog, &uses),
            Err(e) => {
                unreachable.push(format!("its steps cannot be read: {e}"));
                Vec::new()
            }
        };
        let (certs, profiles) = match &app.signing {
            Some(s) => local::read(loaded, keyring, &app.slug, s),
            None => (Vec::new(), Vec::new()),
        };
        if let Some(Err(e)) = &bitrise {
            unreachable.push(format!("Bitrise was not asked: {e}"));
        }
        let asker = opts
            .apple
            .then(|| apple::prepare(loaded, keyring, app, opts.apple_url, live.now()));
        prepared.push(Prepared {
            app,
            steps,
            certs,
            profiles,
            asker,
            unreachable,
        });
    }
    let client = bitrise
        .as_ref()
        .and_then(|b| b.as_ref().ok())
        .map(|c| c.client());
    let apps = par_map(&mut prepared, opts.jobs.max(1), |p| {
        if let Some(client) = client {
            if crate::bitrise::api::is_safe_slug(&p.app.slug) {
                match bitrise::read(client, &p.app.slug) {
                    Ok((c, pr)) => {
                        p.certs.extend(c);
                        p.profiles.extend(pr);
                    }
                    Err(e) => p.unreachable.push(format!("Bitrise: {e}")),
                }
            } else {
                p.unreachable.push(format!(
                    "`{}` is not a Bitrise app slug: its uploads were not read",
                    p.app.slug
                ));
            }
        }
        let (view, kind) = match &p.asker {
            None => (None, None),
            Some(Ok(asker)) => (Some(asker.ask(&serials(&p.certs, now))), Some(asker.kind)),
            Some(Err((key, why))) => (Some(AppleView::refused(key, why.clone())), None),
        };
        let key_kind = kind.or_else(|| {
            p.app
                .api_key
                .as_deref()
                .and_then(|n| loaded.workspace.api_key(n))
                .map(|k| k.kind)
        });
        app_report(p, view.as_ref(), key_kind, now, warn_days)
    });
    Ok(Report::new(now, apps))
}

fn app_report(
    p: &Prepared,
    apple: Option<&AppleView>,
    kind: Option<KeyKind>,
    now: DateTime<Utc>,
    warn_days: i64,
) -> AppReport {
    let signing = p.app.signing.as_ref();
    let findings = judge(&AppInput {
        slug: &p.app.slug,
        steps: &p.steps,
        certs: &p.certs,
        profiles: &p.profiles,
        apple,
        key: p.app.api_key.as_deref().zip(kind),
        team_id: signing.and_then(|s| s.team_id.as_deref()),
        bundle_ids: signing.map(|s| s.bundle_ids.as_slice()).unwrap_or(&[]),
        unreachable: &p.unreachable,
        now,
        warn_days,
    });
    AppReport::new(
        &p.app.slug,
        rows(&p.certs, &p.profiles, apple, now),
        findings,
    )
}

/// The serials of the valid certificates, once each (what the steps ask Apple about).
fn serials(certs: &[CertFile], now: DateTime<Utc>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in certs
        .iter()
        .filter_map(|f| f.certs.as_ref().ok())
        .flatten()
        .filter(|c| c.not_before <= now && now <= c.not_after)
    {
        if !out.contains(&c.serial) {
            out.push(c.serial.clone());
        }
    }
    out
}

/// `work` over every item on `jobs` threads, each taking the next item when done; order kept.
fn par_map<T: Send, R: Send>(
    items: &mut [T],
    jobs: usize,
    work: impl Fn(&mut T) -> R + Sync,
) -> Vec<R> {
    if jobs < 2 || items.len() < 2 {
        return items.iter_mut().map(&work).collect();
    }
    let slots: Vec<Mutex<(&mut T, Option<R>)>> =
        items.iter_mut().map(|t| Mutex::new((t, None))).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(slots.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = slots.get(i) else { break };
                    if let Ok(mut s) = slot.lock() {
                        let r = work(&mut *s.0);
                        s.1 = Some(r);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().and_then(|(_, r)| r))
        .collect()
}
