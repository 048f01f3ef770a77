//! `bitrise push`: tell Bitrise each pulled app's API key and Apple ID user as the workspace
//! assigns them. First a plan (no write is sent: only the reads that say whether a key must be
//! uploaded and who the members are), then, once confirmed, the uploads and one `PATCH
//! /apps/{slug}` per app (`DELETE …/service-credential-user` to clear), `jobs` apps at a time,
//! each app on its own. Bitrise does not report these fields back, so what was sent is recorded
//! (`[apps.bitrise] pushed_api_key`, `pushed_apple_id_user`, `pushed_at`) and is what the next
//! plan compares with: a second run after success sends nothing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::upload::{self, UploadOutcome, UploadPlan};
use super::workspaces::{self, Workspace};
use super::{BitriseError, Connection, is_safe_slug};
use crate::bitrise::api::model::{AppleApiCredential, Member};
use crate::bitrise::api::{ApiError, AppUpdate};
use crate::domain::bitrise_push::{self, AppDiff};
use crate::secrets::{SecretStore, SecretValue};
use crate::store::Loaded;

const MAX_JOBS: usize = 64;

#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Only these apps (else every pulled app).
    pub apps: Vec<String>,
    pub jobs: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    UploadKey,
    AssignApiKey,
    AssignAppleIdUser,
    ClearAppleIdUser,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// In the plan; nothing sent (a dry run, or before apply).
    Planned,
    Applied,
    Failed,
    /// Not sent: cancelled, or what it needed failed first.
    NotSent,
}

/// One line of the plan (the `--format json` contract: `action`, `app`, `title`, `key`, `org`,
/// `member`; the rest is added detail).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PlanItem {
    pub action: Action,
    pub app: Option<String>,
    pub title: Option<String>,
    /// The API key's name in the workspace.
    pub key: Option<String>,
    /// The Bitrise workspace (organization) slug the app or key belongs to.
    pub org: Option<String>,
    /// The member's e-mail.
    pub member: Option<String>,
    pub member_slug: Option<String>,
    pub key_id: Option<String>,
    /// The key's slug on Bitrise (after the upload, for a key not there yet).
    pub key_slug: Option<String>,
    pub status: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    diff: Option<usize>,
}

impl PlanItem {
    fn new(action: Action) -> Self {
        PlanItem {
            action,
            app: None,
            title: None,
            key: None,
            org: None,
            member: None,
            member_slug: None,
            key_id: None,
            key_slug: None,
            status: ItemStatus::Planned,
            error: None,
            diff: None,
        }
    }

    /// `app "Shop iOS" (ios-shop)`.
    pub fn app_label(&self) -> String {
        match (&self.title, &self.app) {
            (Some(t), Some(s)) if !t.is_empty() => format!("app \"{t}\" ({s})"),
            (_, Some(s)) => format!("app {s}"),
            _ => String::new(),
        }
    }
}

/// The plan, and after `apply` its outcome (the `--format json` document).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PushPlan {
    pub schema_version: crate::domain::schema_version::SchemaVersion,
    pub plan: Vec<PlanItem>,
    /// Pulled apps whose assignment is what apple-conn last pushed: counted, not listed.
    pub unchanged: usize,
    /// Why nothing may be sent (any refusal refuses the whole push: exit 2).
    pub refusals: Vec<String>,
    /// What apple-conn cannot do through the API, and where on bitrise.io to do it.
    pub notes: Vec<String>,
    /// Where the calls go.
    pub host: String,
    pub cancelled: bool,
    #[serde(skip)]
    pub workspaces: Vec<Workspace>,
    #[serde(skip)]
    diffs: Vec<AppDiff>,
    /// How many apps `apply` sends at a time (`--jobs`).
    #[serde(skip)]
    pub jobs: usize,
}

impl PushPlan {
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    pub fn failed(&self) -> usize {
        self.plan
            .iter()
            .filter(|i| matches!(i.status, ItemStatus::Failed | ItemStatus::NotSent))
            .count()
    }

    /// The apps with at least one change.
    pub fn apps_changed(&self) -> usize {
        let mut seen: Vec<&str> = Vec::new();
        for i in &self.plan {
            if let Some(a) = i.app.as_deref()
                && !seen.contains(&a)
            {
                seen.push(a);
            }
        }
        seen.len()
    }

    pub fn uploads(&self) -> usize {
        self.plan
            .iter()
            .filter(|i| i.action == Action::UploadKey)
            .count()
    }

    /// The workspaces the plan changes, for the confirmation: `Acme Ltd (org-acme)`.
    pub fn workspaces_named(&self) -> String {
        let mut orgs: Vec<&str> = Vec::new();
        for i in &self.plan {
            if let Some(o) = i.org.as_deref()
                && !orgs.contains(&o)
            {
                orgs.push(o);
            }
        }
        orgs.iter()
            .map(|o| {
                self.workspaces
                    .iter()
                    .find(|w| w.slug == *o)
                    .map(Workspace::describe)
                    .unwrap_or_else(|| format!("account {o}"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How far an apply is: the TUI's gauge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushProgress {
    pub done: usize,
    pub total: usize,
}

/// Where an app's keys and members are: a workspace, or the token's own user account.
#[derive(Debug, Clone)]
enum Home {
    Workspace(Workspace),
    User(String),
}

impl Home {
    fn org(&self) -> String {
        match self {
            Home::Workspace(w) => w.slug.clone(),
            Home::User(u) => u.clone(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Home::Workspace(w) => format!("Bitrise workspace {}", w.describe()),
            Home::User(u) => format!("your Bitrise account ({u})"),
        }
    }
}

/// What the plan asked Bitrise, each at most once.
#[derive(Default)]
struct Asked {
    keys: HashMap<String, Vec<AppleApiCredential>>,
    members: HashMap<String, Vec<Member>>,
}

impl Asked {
    fn keys(
        &mut self,
        conn: &Connection,
        home: &Home,
    ) -> Result<&[AppleApiCredential], BitriseError> {
        let org = home.org();
        if !self.keys.contains_key(&org) {
            let listed = match home {
                Home::Workspace(w) => conn.client.workspace_credentials(&w.slug)?,
                Home::User(u) => conn.client.apple_api_credentials(u)?,
            };
            self.keys.insert(org.clone(), listed);
        }
        Ok(self.keys.get(&org).map(Vec::as_slice).unwrap_or_default())
    }

    fn members(&mut self, conn: &Connection, home: &Home) -> Result<&[Member], BitriseError> {
        let org = home.org();
        if !self.members.contains_key(&org) {
            let listed = match home {
                Home::Workspace(w) => conn.client.members(&w.slug)?,
                Home::User(u) => {
                    let me = conn.client.me()?;
                    vec![Member {
                        slug: u.clone(),
                        username: me.username.unwrap_or_default(),
                        email: me.email.unwrap_or_default(),
                    }]
                }
            };
            self.members.insert(org.clone(), listed);
        }
        Ok(self
            .members
            .get(&org)
            .map(Vec::as_slice)
            .unwrap_or_default())
    }
}

/// Where on bitrise.io the things the API cannot do are done.
const APP_KEY_IN_UI: &str =
    "on bitrise.io: the app's Settings → Integrations → Apple Service connection";

/// The plan: which pulled apps differ from what was pushed, and what Bitrise must be told.
/// Nothing is asked of Bitrise when no app differs.
pub fn plan(
    loaded: &Loaded,
    conn: &Connection,
    opts: &PushOptions,
) -> Result<PushPlan, BitriseError> {
    if opts.jobs == 0 || opts.jobs > MAX_JOBS {
        return Err(BitriseError::BadInput(format!(
            "--jobs {}: give 1 to {MAX_JOBS}",
            opts.jobs
        )));
    }
    for slug in &opts.apps {
        if !is_safe_slug(slug) {
            return Err(BitriseError::BadInput(format!(
                "--app `{}` is not an app slug (letters, digits, - and _; never / or ..)",
                crate::terminal_text::clean_line(slug)
            )));
        }
    }
    let ws = &loaded.workspace;
    let apps = bitrise_push::selected(ws, &opts.apps).map_err(BitriseError::BadInput)?;
    let (diffs, unchanged) = bitrise_push::diffs(ws, &apps);
    let mut out = PushPlan {
        schema_version: crate::domain::schema_version::SchemaVersion,
        plan: Vec::new(),
        unchanged,
        refusals: Vec::new(),
        notes: Vec::new(),
        host: conn.host(),
        cancelled: false,
        workspaces: Vec::new(),
        diffs: Vec::new(),
        jobs: opts.jobs,
    };
    if diffs.is_empty() {
        return Ok(out);
    }
    out.workspaces = workspaces::workspaces(conn, None)?;
    let me = conn.user_slug()?;
    let mut asked = Asked::default();
    let mut uploads: Vec<PlanItem> = Vec::new();
    let mut items: Vec<PlanItem> = Vec::new();
    for d in diffs {
        let index = out.diffs.len();
        let label = match &d.title {
            Some(t) => format!(
                "app \"{}\" ({})",
                crate::terminal_text::clean_line(t),
                d.slug
            ),
            None => format!("app {}", d.slug),
        };
        let home = if let Some(w) = out.workspaces.iter().find(|w| w.slug == d.owner) {
            Home::Workspace(w.clone())
        } else if d.owner == me {
            Home::User(me.clone())
        } else {
            out.refusals.push(format!(
                "{label} belongs to the Bitrise account {} ({}), which the token's user is not in (it sees {}): sign in with a member's token, or leave it out with --app",
                crate::terminal_text::clean_line(&d.owner_name),
                crate::terminal_text::clean_line(&d.owner),
                workspaces::seen(&out.workspaces)
            ));
            continue;
        };
        let base = |action| PlanItem {
            app: Some(d.slug.clone()),
            title: d.title.clone(),
            org: Some(home.org()),
            diff: Some(index),
            ..PlanItem::new(action)
        };
        match &d.key {
            None => {}
            Some(None) => out.notes.push(format!(
                "{label}: no API key is assigned here, but apple-conn told Bitrise {} earlier; Bitrise's API has no call to unassign it: do it {APP_KEY_IN_UI}",
                d.pushed_key.as_deref().map(|k| format!("\"{k}\"")).unwrap_or_default()
            )),
            Some(Some(name)) => match ws.api_key(name) {
                None => out.refusals.push(format!(
                    "{label} is assigned API key `{}`, which the workspace does not have: fix the assignment (`apple-conn assign {} --api-key NAME`)",
                    crate::terminal_text::clean_line(name),
                    d.slug
                )),
                Some(key) => {
                    let found = asked
                        .keys(conn, &home)?
                        .iter()
                        .find(|c| c.key_id.eq_ignore_ascii_case(&key.key_id))
                        .and_then(|c| c.slug.clone());
                    let mut item = base(Action::AssignApiKey);
                    item.key = Some(key.name.clone());
                    item.key_id = Some(key.key_id.clone());
                    item.key_slug = found.clone();
                    match (&found, &home) {
                        (Some(_), _) => items.push(item),
                        (None, Home::Workspace(w)) => {
                            if let Err(e) = upload::uploadable(loaded, &key.name) {
                                out.refusals.push(format!("{label}: {e}"));
                                continue;
                            }
                            let planned = uploads.iter().any(|u| {
                                u.org.as_deref() == Some(&w.slug) && u.key_id.as_deref() == Some(&key.key_id)
                            });
                            if !planned {
                                uploads.push(PlanItem {
                                    key: Some(key.name.clone()),
                                    key_id: Some(key.key_id.clone()),
                                    org: Some(w.slug.clone()),
                                    ..PlanItem::new(Action::UploadKey)
                                });
                            }
                            items.push(item);
                        }
                        (None, Home::User(u)) => out.refusals.push(format!(
                            "{label} belongs to your own Bitrise account ({u}), which does not hold API key {}: Bitrise's API uploads keys only to workspaces; upload it on bitrise.io under Account settings → Apple Service connection, or move the app to a workspace",
                            key.identity()
                        )),
                    }
                }
            },
        }
        match &d.user {
            None => {}
            Some(None) => items.push(base(Action::ClearAppleIdUser)),
            Some(Some(email)) => {
                let members = asked.members(conn, &home)?;
                match members.iter().find(|m| m.email.eq_ignore_ascii_case(email)) {
                    Some(m) => {
                        let mut item = base(Action::AssignAppleIdUser);
                        item.member = Some(email.clone());
                        item.member_slug = Some(m.slug.clone());
                        items.push(item);
                    }
                    None => {
                        let names: Vec<String> = members
                            .iter()
                            .map(|m| crate::terminal_text::clean_line(&m.email))
                            .collect();
                        out.refusals.push(format!(
                            "{label}: its Apple ID connection's owner {} is not a member of {} (members: {}): invite them on bitrise.io, or set the Apple ID connection's owner to a member's e-mail",
                            crate::terminal_text::clean_line(email),
                            home.describe(),
                            if names.is_empty() { "none listed".into() } else { names.join(", ") }
                        ));
                    }
                }
            }
        }
        out.diffs.push(d);
    }
    out.plan = uploads.into_iter().chain(items).collect();
    Ok(out)
}

/// The `.p8` texts the plan's uploads send, read before anything is sent (the TUI reads them on
/// its own thread, where the keyring lives; the requests then run beside it).
pub struct KeyTexts(HashMap<String, SecretValue>);

impl std::fmt::Debug for KeyTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyTexts({} key(s), ***)", self.0.len())
    }
}

/// Reads the private key of every key the plan uploads; a key that cannot be read refuses the
/// whole push before anything is sent.
pub fn read_keys(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    plan: &PushPlan,
) -> Result<KeyTexts, BitriseError> {
    let mut out = HashMap::new();
    for item in plan.plan.iter().filter(|i| i.action == Action::UploadKey) {
        let name = item.key.clone().unwrap_or_default();
        let key = upload::uploadable(loaded, &name)?;
        out.insert(
            key.key_id.clone(),
            upload::key_text(&loaded.path, keyring, key)?,
        );
    }
    Ok(KeyTexts(out))
}

/// Sends the plan: the uploads first (each recorded at once), then each app's PATCH (and DELETE),
/// `jobs` apps at a time; `cancel` stops it between requests. What Bitrise accepted is recorded.
pub fn apply(
    path: &Path,
    keys: &KeyTexts,
    conn: &Connection,
    mut plan: PushPlan,
    now: DateTime<Utc>,
    cancel: &AtomicBool,
    progress: &(dyn Fn(PushProgress) + Sync),
) -> Result<PushPlan, BitriseError> {
    if !plan.refusals.is_empty() {
        return Err(BitriseError::BadInput(format!(
            "refused, nothing was sent: {}",
            plan.refusals.join("; ")
        )));
    }
    let groups = app_groups(&plan.plan);
    let total = plan.uploads() + groups.len();
    let done = AtomicUsize::new(0);
    let step = || {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(PushProgress { done: n, total });
    };
    progress(PushProgress { done: 0, total });
    // The uploads, one at a time; a failed one holds back the apps that need its key.
    let mut slugs: HashMap<(String, String), String> = HashMap::new();
    let mut failed_uploads: HashMap<(String, String), String> = HashMap::new();
    for item in plan
        .plan
        .iter_mut()
        .filter(|i| i.action == Action::UploadKey)
    {
        let org = item.org.clone().unwrap_or_default();
        let key_id = item.key_id.clone().unwrap_or_default();
        if cancel.load(Ordering::Relaxed) {
            item.status = ItemStatus::NotSent;
            failed_uploads.insert((org, key_id), "cancelled".into());
            continue;
        }
        let result = upload_one(path, keys, conn, &plan.workspaces, item, now);
        match result {
            Ok(slug) => {
                item.status = ItemStatus::Applied;
                item.key_slug = Some(slug.clone());
                slugs.insert((org, key_id), slug);
            }
            Err(e) => {
                item.status = ItemStatus::Failed;
                item.error = Some(e.to_string());
                failed_uploads.insert((org, key_id), e.to_string());
                if matches!(e, BitriseError::Api(ApiError::Unauthorized)) {
                    return Err(e);
                }
            }
        }
        step();
    }
    for item in plan
        .plan
        .iter_mut()
        .filter(|i| i.action == Action::AssignApiKey)
    {
        let k = (
            item.org.clone().unwrap_or_default(),
            item.key_id.clone().unwrap_or_default(),
        );
        if let Some(s) = slugs.get(&k) {
            item.key_slug = Some(s.clone());
        } else if item.key_slug.is_none() {
            item.status = ItemStatus::NotSent;
            item.error = Some(format!(
                "not sent: the upload of API key {} failed ({})",
                item.key.clone().unwrap_or_default(),
                failed_uploads.get(&k).cloned().unwrap_or_default()
            ));
        }
    }
    let items: Vec<Mutex<PlanItem>> = plan.plan.drain(..).map(Mutex::new).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<usize>();
    let mut save_errors: Vec<String> = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..plan.jobs.clamp(1, MAX_JOBS).min(groups.len().max(1)) {
            let tx = tx.clone();
            let (items, groups, next, stop) = (&items, &groups, &next, &stop);
            let step = &step;
            scope.spawn(move || {
                loop {
                    let g = next.fetch_add(1, Ordering::Relaxed);
                    let Some(group) = groups.get(g) else { return };
                    if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                        for &i in group {
                            if let Ok(mut item) = items[i].lock()
                                && item.status == ItemStatus::Planned
                            {
                                item.status = ItemStatus::NotSent;
                                item.error = Some("not sent: cancelled".into());
                            }
                        }
                        continue;
                    }
                    if send_app(conn, items, group, cancel) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let _ = tx.send(g);
                    step();
                }
            });
        }
        drop(tx);
        // Saved in batches as the answers come (one save per batch, not per app).
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            batch.extend(rx.try_iter());
            if let Err(e) = record(path, &plan.diffs, &items, &groups, &batch, now) {
                save_errors.push(e.to_string());
            }
        }
    });
    plan.plan = items
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect();
    plan.cancelled = cancel.load(Ordering::Relaxed);
    for e in save_errors {
        plan.notes.push(format!(
            "Bitrise accepted some changes, but the workspace could not record them ({e}): the next push sends them again"
        ));
    }
    if let Some(fatal) = plan
        .plan
        .iter()
        .find(|i| i.error.as_deref() == Some(&ApiError::Unauthorized.to_string()))
    {
        let _ = fatal;
        return Err(BitriseError::Api(ApiError::Unauthorized));
    }
    Ok(plan)
}

/// Each app's items (indices into the plan), in plan order; uploads are not in any.
fn app_groups(items: &[PlanItem]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(d) = item.diff else { continue };
        match groups.iter_mut().find(|(k, _)| *k == d) {
            Some((_, g)) => g.push(i),
            None => groups.push((d, vec![i])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

fn upload_one(
    path: &Path,
    keys: &KeyTexts,
    conn: &Connection,
    workspaces: &[Workspace],
    item: &PlanItem,
    now: DateTime<Utc>,
) -> Result<String, BitriseError> {
    let org = item.org.clone().unwrap_or_default();
    let workspace = workspaces
        .iter()
        .find(|w| w.slug == org)
        .cloned()
        .unwrap_or(Workspace {
            slug: org.clone(),
            name: String::new(),
        });
    // The plan listed the workspace just now and did not find the key ID; a push killed after
    // its upload finds it on the next run's listing, so it is never sent twice.
    let up = UploadPlan {
        key_name: item.key.clone().unwrap_or_default(),
        key_id: item.key_id.clone().unwrap_or_default(),
        workspace,
        host: conn.host(),
        existing_slug: None,
    };
    let loaded = crate::store::load(path)
        .map_err(|e| BitriseError::Save(crate::store::UpdateError::Load(e)))?;
    let key = upload::uploadable(&loaded, &up.key_name)?;
    let pem = keys.0.get(&key.key_id).ok_or_else(|| {
        BitriseError::BadInput(format!(
            "the private key of `{}` was not read before the push: nothing was sent",
            up.key_name
        ))
    })?;
    let outcome = upload::send(conn, key, pem, &up)?;
    upload::record(path, &up.key_id, &org, &outcome, now)?;
    Ok(match outcome {
        UploadOutcome::Uploaded { slug } | UploadOutcome::Found { slug } => slug,
    })
}

/// One app: one PATCH with its key and member, then the DELETE that clears a member. Returns
/// whether the token was refused (then no other app is asked).
fn send_app(
    conn: &Connection,
    items: &[Mutex<PlanItem>],
    group: &[usize],
    cancel: &AtomicBool,
) -> bool {
    let snapshot: Vec<(usize, PlanItem)> = group
        .iter()
        .filter_map(|&i| items[i].lock().ok().map(|it| (i, it.clone())))
        .collect();
    let Some(slug) = snapshot.first().and_then(|(_, it)| it.app.clone()) else {
        return false;
    };
    let mut update = AppUpdate::default();
    let mut in_patch = Vec::new();
    for (i, it) in &snapshot {
        if it.status != ItemStatus::Planned {
            continue;
        }
        match it.action {
            Action::AssignApiKey => {
                update.apple_api_credential_slug = it.key_slug.clone();
                in_patch.push(*i);
            }
            Action::AssignAppleIdUser => {
                update.apple_credential_user_slug = it.member_slug.clone();
                in_patch.push(*i);
            }
            _ => {}
        }
    }
    let mark = |i: usize, result: &Result<(), ApiError>| {
        if let Ok(mut it) = items[i].lock() {
            match result {
                Ok(()) => it.status = ItemStatus::Applied,
                Err(ApiError::Cancelled) => {
                    it.status = ItemStatus::NotSent;
                    it.error = Some("not sent: cancelled".into());
                }
                Err(e) => {
                    it.status = ItemStatus::Failed;
                    it.error = Some(e.to_string());
                }
            }
        }
    };
    let mut refused = false;
    let mut patched = Ok(());
    if !in_patch.is_empty() {
        patched = conn.client.update_app(&slug, &update);
        refused |= patched == Err(ApiError::Unauthorized);
        for &i in &in_patch {
            mark(i, &patched);
        }
    }
    for (i, it) in &snapshot {
        if it.action != Action::ClearAppleIdUser || it.status != ItemStatus::Planned {
            continue;
        }
        let result = match &patched {
            Err(e) => Err(e.clone()),
            Ok(()) if cancel.load(Ordering::Relaxed) => Err(ApiError::Cancelled),
            Ok(()) => conn.client.clear_credential_user(&slug),
        };
        refused |= result == Err(ApiError::Unauthorized);
        mark(*i, &result);
    }
    refused
}

/// `[apps.bitrise] pushed_*` for the apps in `batch` whose changes Bitrise accepted.
fn record(
    path: &Path,
    diffs: &[AppDiff],
    items: &[Mutex<PlanItem>],
    groups: &[Vec<usize>],
    batch: &[usize],
    now: DateTime<Utc>,
) -> Result<(), BitriseError> {
    let mut writes = Vec::new();
    for &g in batch {
        let group: Vec<PlanItem> = groups[g]
            .iter()
            .filter_map(|&i| items[i].lock().ok().map(|it| it.clone()))
            .collect();
        let Some(d) = group
            .first()
            .and_then(|it| it.diff)
            .and_then(|d| diffs.get(d))
        else {
            continue;
        };
        let applied = |a: Action| {
            group
                .iter()
                .any(|it| it.action == a && it.status == ItemStatus::Applied)
        };
        let key = if applied(Action::AssignApiKey) {
            d.key.clone().flatten()
        } else {
            d.pushed_key.clone()
        };
        let user = if applied(Action::AssignAppleIdUser) {
            d.user.clone().flatten()
        } else if applied(Action::ClearAppleIdUser) {
            None
        } else {
            d.pushed_user.clone()
        };
        if key != d.pushed_key || user != d.pushed_user {
            writes.push((d.slug.clone(), key, user));
        }
    }
    if writes.is_empty() {
        return Ok(());
    }
    crate::store::update(path, |_, doc| {
        for (slug, key, user) in &writes {
            crate::store::edit_bitrise::set_pushed(
                doc,
                slug,
                key.as_deref(),
                user.as_deref(),
                now,
            )?;
        }
        Ok(())
    })?;
    Ok(())
}
