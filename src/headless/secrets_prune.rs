//! `secrets prune`: lists the keyring and vault entries no connection refers to, asks (or
//! `--yes`), deletes them; under the workspace lock, so nothing being added right now is taken.

use std::io::IsTerminal;
use std::path::Path;

use super::{CmdResult, Failure};
use crate::ops::prune;
use crate::secrets::SecretStore;

pub fn run(path: &Path, keyring: &dyn SecretStore, yes: bool) -> CmdResult {
    let _lock = super::connections::lock_workspace(path)?;
    let loaded = super::load_path(path)?;
    let found = prune::find(&loaded, keyring);
    for why in &found.not_searched {
        eprintln!("not searched: {why}");
    }
    if found.entries.is_empty() {
        if found.not_searched.is_empty() {
            eprintln!(
                "nothing to prune: every entry apple-conn keeps for this workspace is referenced"
            );
        } else {
            eprintln!("nothing to prune in what could be searched");
        }
        return Ok(0);
    }
    println!("not referenced by any connection of {}:", path.display());
    for (_, shown) in &found.entries {
        println!("  {shown}");
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::new(
                1,
                "nothing deleted: pass --yes to delete these entries without a terminal to ask at",
            ));
        }
        eprint!("Delete these {} entries? [y/N] ", found.entries.len());
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::new(1, "nothing deleted"));
        }
    }
    let mut failed = Vec::new();
    for (entry, shown) in &found.entries {
        if let Err(e) = prune::delete(&loaded, keyring, entry) {
            failed.push(format!("{shown} ({e})"));
        }
    }
    let deleted = found.entries.len() - failed.len();
    eprintln!(
        "deleted {deleted} entr{}",
        if deleted == 1 { "y" } else { "ies" }
    );
    if !failed.is_empty() {
        return Err(Failure::new(
            1,
            format!("could not delete: {}", failed.join("; ")),
        ));
    }
    Ok(0)
}
