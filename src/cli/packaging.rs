//! What a package ships besides the binary, generated from the command line's definition:
//! man pages (clap_mangen) and shell completions (clap_complete).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use super::{Cli, Exit};

fn create(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// `gkwatch.1` and `gkwatch-COMMAND.1` for each visible command.
pub(super) fn gen_man(dir: &Path) -> anyhow::Result<Exit> {
    create(dir)?;
    let cmd = Cli::command();
    clap_mangen::generate_to(cmd, dir)
        .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
    Ok(Exit::Ok)
}

/// `gkwatch.bash`, `_gkwatch` (zsh) and `gkwatch.fish`.
pub(super) fn gen_completions(dir: &Path) -> anyhow::Result<Exit> {
    use clap_complete::Shell;
    create(dir)?;
    let mut cmd = Cli::command();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "gkwatch", dir).with_context(|| {
            format!(
                "cannot write the {shell} completions into {}",
                dir.display()
            )
        })?;
    }
    Ok(Exit::Ok)
}
