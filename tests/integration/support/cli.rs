//! The real binary, run from the repository's directory (where `targets/` and `selectors/`
//! are).

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

use super::repo;

/// `gkwatch` with no argument yet.
pub fn gkwatch() -> Command {
    let mut cmd = Command::cargo_bin("gkwatch").expect("binary");
    cmd.current_dir(repo());
    cmd
}

/// `gkwatch --db DB`.
pub fn gkwatch_on(db: &Path) -> Command {
    let mut cmd = gkwatch();
    cmd.arg("--db").arg(db);
    cmd
}

/// Runs the binary off the async runtime's threads (the test's servers run on them).
pub async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("run gkwatch"))
        .await
        .expect("join")
}

/// A process of the binary to start and stop at will: `gkwatch --db DB --targets TARGETS
/// --config SETTINGS`, the subcommand and its output left to the caller.
pub fn process(db: &Path, targets: &Path, settings: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("gkwatch"));
    cmd.current_dir(repo())
        .arg("--db")
        .arg(db)
        .arg("--targets")
        .arg(targets)
        .arg("--config")
        .arg(settings);
    cmd
}

/// Standard error as text, for assertion messages.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Output of one JSON object per line.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}
