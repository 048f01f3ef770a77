//! The steps an app runs, as `StepUse`s: its own `[[apps.steps]]`, or its bitrise.yml's runs.

use crate::bitrise::run;
use crate::domain::workspace::{App, StepUse};
use crate::store::Loaded;

/// Every step of the app in preview order; Err when its bitrise.yml cannot be read.
pub fn step_uses(loaded: &Loaded, app: &App) -> Result<Vec<StepUse>, String> {
    let Some(b) = &app.bitrise_yml else {
        return Ok(app.steps.clone());
    };
    let yml = run::open_app(&loaded.path, b).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for target in run::configured(b) {
        let steps = run::expand_target(&yml, &target)?;
        out.extend(
            crate::bitrise::plan(&steps, &loaded.catalog, &b.map)
                .into_iter()
                .map(|p| p.step_use),
        );
    }
    Ok(out)
}
