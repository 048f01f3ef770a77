//! Will the build sign? The signing files an app's steps use (from Bitrise, local files and
//! Apple), what they say, and the findings with the step rules they come from. Pure.

pub mod apple;
pub mod files;
pub mod findings;
pub mod report;
pub mod rules;
pub mod settings;
pub mod steps;
