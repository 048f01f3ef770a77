//! Command-line interface (clap derive). Secrets never come from a flag value.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "apple-conn",
    version,
    about = "Apple credentials for mobile CI: see which auth every Bitrise step will receive, and why",
    long_about = None
)]
pub struct Cli {
    /// Workspace file (default: $XDG_CONFIG_HOME/apple-conn/workspace.toml)
    #[arg(short = 'c', long = "config", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the workspace and every reference that can be checked without reading secrets
    Check(CheckArgs),
    /// Show which auth every step of every app will receive, and why
    Preview(PreviewArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Evaluate sessions at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
}

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// Only this app
    #[arg(long, value_name = "SLUG")]
    pub app: Option<String>,
    /// Where the build runs
    #[arg(long = "env", value_enum, default_value_t = EnvArg::Bitrise)]
    pub environment: EnvArg,
    /// Evaluate sessions at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = TableJson::Table)]
    pub format: TableJson,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TextJson {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TableJson {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EnvArg {
    /// On bitrise.io: the connection is fetched
    Bitrise,
    /// A local run: no connection
    Local,
    /// A public app's pull-request build: the connection fetch answers 401
    PublicPr,
}

impl EnvArg {
    pub fn environment(self) -> crate::domain::resolution::Environment {
        use crate::domain::resolution::Environment;
        match self {
            EnvArg::Bitrise => Environment::Bitrise,
            EnvArg::Local => Environment::Local,
            EnvArg::PublicPr => Environment::PublicPr,
        }
    }
}
