//! Configuration: the targets (departments and their columns), the selector profiles and the
//! crawl settings, read from TOML and compiled into ready objects in one step.
//!
//! Every error names the file, the key and why; all problems are reported at once.

mod ca;
mod catalog;
mod error;
mod profiles;
mod raw;
mod schedule;
mod settings;
mod targets;

use std::path::{Path, PathBuf};

pub use ca::{CaFileError, load_ca_file};
pub use catalog::load_catalog;
pub use error::{ConfigError, Problem};
pub use profiles::{Profiles, compile_spec, load_profiles};
pub use raw::ProfileSpec;
pub use schedule::CronSchedule;
pub use settings::{
    CrawlSettings, DEFAULT_DISTRICT, District, Recipients, Schedules, Settings, SmtpSecurity,
    SmtpSettings, load_settings,
};
pub use targets::{Column, ColumnKind, Department, Targets};

/// The disclosure categories (ids from the district's task list; see README.md).
pub const CATEGORY_IDS: &[&str] = &[
    "org_functions",
    "budget_final",
    "rules",
    "normative_docs",
    "plans",
    "licensing",
    "penalty_enforcement",
    "fees",
    "major_meetings",
    "decision_preconsultation",
    "annual_report",
    "employment",
    "elderly_care",
    "education",
    "health",
    "agri_subsidy",
    "public_culture",
    "social_assistance",
    "food_drug",
    "environment",
    "supervision_inspection",
    "public_resource_trading",
    "enterprise_policy",
    "business_environment",
    "major_projects",
    "policy_interpretation",
    "service_lists",
    "public_institutions",
    "grassroots",
    "disclosure_guide",
    "website_media",
    "gazette",
    "open_day",
    "self_inspection",
    "training",
    "implementation_plan",
    "assessment",
];

/// How to load the targets.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Replace scheme, host and port of every site and column URL (the demo points the
    /// `demo.invalid` URLs of `targets/demo.toml` at the simulated site this way).
    pub origin_override: Option<url::Url>,
    /// Load `demo = true` files even from a directory.
    pub include_demo: bool,
}

/// Targets and profiles, compiled.
#[derive(Debug, Clone)]
pub struct Config {
    pub profiles: Profiles,
    pub targets: Targets,
}

/// Loads the selector profiles from `selectors` and the targets from `targets` (a file or a
/// directory of `*.toml`).
pub fn load(targets: &Path, selectors: &Path, opts: &LoadOptions) -> Result<Config, ConfigError> {
    let profiles = load_profiles(selectors)?;
    let targets = targets::load_targets(targets, &profiles, opts)?;
    Ok(Config { profiles, targets })
}

/// `path` itself if it is a file, else the `*.toml` files directly in it, sorted.
fn toml_files(path: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    let io = |source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        if p.extension().is_some_and(|e| e == "toml") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}
