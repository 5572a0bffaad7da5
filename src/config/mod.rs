//! Configuration: the targets (departments and their columns), the selector profiles and the
//! crawl settings, read from TOML and compiled into ready objects in one step.
//!
//! Every error names the file, the key and why; all problems are reported at once.

mod builtin;
mod ca;
mod calendar;
mod catalog;
mod error;
mod profiles;
mod raw;
mod schedule;
mod settings;
mod targets;
mod write;

use std::path::{Path, PathBuf};

pub use builtin::EXAMPLE_SETTINGS;
pub use ca::{CaFileError, load_ca_file};
pub use calendar::load_calendar;
pub use catalog::load_catalog;
pub use error::{ConfigError, Problem};
pub use profiles::{ProfileOrigin, Profiles, compile_spec, load_profiles};
pub use raw::ProfileSpec;
pub use schedule::CronSchedule;
pub use settings::{
    CrawlSettings, DEFAULT_CALENDAR_FILE, DEFAULT_DISTRICT, District, Language, MetricsSettings,
    PrivacySettings, Recipients, SETTINGS_SEARCH, Schedules, Settings, SmtpSecurity, SmtpSettings,
    load_settings, settings_file,
};
pub use targets::{Column, ColumnKind, Department, Targets};
pub use write::{
    Merged, Proposal, ProposedColumn, ProposedDepartment, SkipReason, Skipped, WriteError,
    merge_targets, short_name,
};

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

/// Loads the selector profiles (built in, and those of `selectors` when given) and the targets
/// from `targets` (a file or a directory of `*.toml`).
pub fn load(
    targets: &Path,
    selectors: Option<&Path>,
    opts: &LoadOptions,
) -> Result<Config, ConfigError> {
    let profiles = load_profiles(selectors)?;
    let single_file = std::fs::metadata(targets).is_ok_and(|m| m.is_file());
    let sources = read_sources(targets)?;
    let targets = targets::load_targets(sources, single_file, &profiles, opts)?;
    Ok(Config { profiles, targets })
}

/// Loads the built-in demo district's targets (`targets/demo.toml`) with the profiles.
pub fn load_demo(selectors: Option<&Path>, opts: &LoadOptions) -> Result<Config, ConfigError> {
    let profiles = load_profiles(selectors)?;
    let (path, text) = builtin::DEMO_TARGETS;
    let sources = vec![(builtin::label(path), text.into())];
    let opts = LoadOptions {
        include_demo: true,
        ..opts.clone()
    };
    let targets = targets::load_targets(sources, true, &profiles, &opts)?;
    Ok(Config { profiles, targets })
}

/// A configuration file's text, with the path its messages name.
pub(crate) type Source = (PathBuf, std::borrow::Cow<'static, str>);

/// The texts of `path` itself if it is a file, else of the `*.toml` files directly in it,
/// sorted by name.
fn read_sources(path: &Path) -> Result<Vec<Source>, ConfigError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ConfigError::Io { path, source }
    };
    let meta = std::fs::metadata(path).map_err(io(path))?;
    let mut files = Vec::new();
    if meta.is_file() {
        files.push(path.to_path_buf());
    } else {
        for entry in std::fs::read_dir(path).map_err(io(path))? {
            let p = entry.map_err(io(path))?.path();
            if p.extension().is_some_and(|e| e == "toml") && p.is_file() {
                files.push(p);
            }
        }
        files.sort();
    }
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).map_err(io(&f))?;
            Ok((f, text.into()))
        })
        .collect()
}
