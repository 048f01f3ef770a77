//! The step catalog a loaded workspace uses, built on first use: `token`, `test` and most
//! commands never look at it, and building every step version is the costliest part of start-up.

use std::sync::{Arc, OnceLock};

use crate::domain::catalog::{Catalog, CatalogError, StepDef, step_consistency};

/// The built-in catalog with the workspace's `[[steps]]` over it. The user steps are checked
/// when the workspace loads (so a bad one is still a load error); the merge waits for a reader.
#[derive(Debug, Clone)]
pub struct LazyCatalog {
    overrides: Vec<StepDef>,
    merged: Arc<OnceLock<Catalog>>,
}

/// The built-in catalog, built once per process and shared by every workspace without `[[steps]]`.
static BUILTIN: OnceLock<Catalog> = OnceLock::new();

fn builtin() -> &'static Catalog {
    // build.rs built this very catalog from the same JSON, so the first never fails; the TOML,
    // then no built-in steps (every step then reads as unknown) only keep this from panicking.
    BUILTIN.get_or_init(|| {
        Catalog::builtin()
            .or_else(|_| {
                Catalog::from_toml(
                    crate::domain::catalog::BUILTIN_CATALOG,
                    crate::domain::steplib::BUILTIN_STEPLIB,
                )
            })
            .unwrap_or_default()
    })
}

impl LazyCatalog {
    pub fn new(overrides: &[StepDef]) -> Result<LazyCatalog, CatalogError> {
        for step in overrides {
            step_consistency(step).map_err(|message| CatalogError::Step {
                step: step.id.clone(),
                message,
            })?;
        }
        Ok(LazyCatalog {
            overrides: overrides.to_vec(),
            merged: Arc::new(OnceLock::new()),
        })
    }
}

impl std::ops::Deref for LazyCatalog {
    type Target = Catalog;

    fn deref(&self) -> &Catalog {
        if self.overrides.is_empty() {
            return builtin();
        }
        self.merged
            .get_or_init(|| builtin().clone().with_checked_overrides(&self.overrides))
    }
}
