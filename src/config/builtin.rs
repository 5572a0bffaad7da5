//! The configuration compiled into the binary, so that an installed gkwatch needs no clone
//! beside it: the shipped selector profiles, the task catalog, the demo district's targets and
//! the annotated example settings. Files given on the command line or in the settings add to
//! (profiles) or replace (catalog, targets) these.

include!(concat!(env!("OUT_DIR"), "/embedded_selectors.rs"));

/// The district's task catalog (`targets/tasks.toml`).
pub const CATALOG: (&str, &str) = (
    "targets/tasks.toml",
    include_str!("../../targets/tasks.toml"),
);

/// The simulated district's targets (`targets/demo.toml`), for `gkwatch demo`.
pub const DEMO_TARGETS: (&str, &str) =
    ("targets/demo.toml", include_str!("../../targets/demo.toml"));

/// The annotated example settings file (`gkwatch example-config`).
pub const EXAMPLE_SETTINGS: &str = include_str!("../deploy/gkwatch.example.toml");

/// How a built-in file is named in messages and listings: `(built-in) selectors/trs.toml`.
pub fn label(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("(built-in) {path}"))
}
