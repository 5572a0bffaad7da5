//! An installed binary needs no checkout beside it: the shipped selector profiles, the task
//! catalog, the demo district and the example settings are built in, and every command works
//! from a directory holding nothing of the repository. Files given on the command line add to
//! (profiles) or replace (catalog) the built-in ones.

use std::path::Path;

use assert_cmd::Command;
use gkwatch::config::{self, ProfileOrigin};

use crate::support::cli::stderr;
use crate::support::pages::trs_page;
use crate::support::repo;

/// The binary, run from `dir` with no settings file found there.
fn gkwatch_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("gkwatch").expect("binary");
    cmd.current_dir(dir)
        .env_remove("GKWATCH_CONFIG")
        .env_remove("GKWATCH_DB");
    cmd
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run gkwatch");
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_command_runs_from_a_directory_holding_nothing_of_the_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path();

    // The demo keeps its database and report in a directory of its own.
    let demo = ok(gkwatch_in(empty).args(["demo", "--today", "2026-11-27"]));
    assert!(demo.contains("✓ all 365 items"), "{demo}");
    let db_line = demo
        .lines()
        .find(|l| l.starts_with("database: "))
        .expect("the demo names its database");
    let db = db_line
        .trim_start_matches("database: ")
        .split(" — ")
        .next()
        .expect("path");
    assert!(Path::new(db).is_file(), "{db}");
    assert!(
        !Path::new(db).starts_with(empty),
        "the demo writes nothing where it is run"
    );
    assert_eq!(std::fs::read_dir(empty).expect("dir").count(), 0);
    if let Some(own) = Path::new(db).parent() {
        let _ = std::fs::remove_dir_all(own);
    }

    let example = ok(gkwatch_in(empty).arg("example-config"));
    assert!(example.contains("[crawl]") && example.contains("district"));

    let profiles = ok(gkwatch_in(empty).arg("profiles"));
    for name in ["trs_list", "table_list", "hanweb_col", "url_date_list"] {
        assert!(profiles.contains(name), "{name} in {profiles}");
    }
    assert!(
        profiles.contains("built in (selectors/trs.toml)"),
        "{profiles}"
    );

    let page = empty.join("list.html");
    let entries = [
        (
            "./202611/t20261120_1.html",
            "关于做好冬季供暖工作的通知",
            "2026-11-20",
        ),
        (
            "./202611/t20261118_2.html",
            "2026年第三季度财政收支情况",
            "2026-11-18",
        ),
    ];
    std::fs::write(&page, trs_page(&entries, 3, 0)).expect("page");
    let check = ok(gkwatch_in(empty)
        .args([
            "check",
            "--profile",
            "trs_list",
            "--format",
            "json",
            "--today",
            "2026-11-27",
        ])
        .arg(&page));
    let v: serde_json::Value = serde_json::from_str(&check).expect("json");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2), "{v}");

    let paths = ok(gkwatch_in(empty).arg("paths"));
    assert!(
        paths.contains("built-in defaults") && paths.contains("built in (targets/tasks.toml)"),
        "{paths}"
    );
}

#[test]
fn a_missing_selectors_directory_is_named_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-selectors");
    let out = gkwatch_in(dir.path())
        .arg("--selectors")
        .arg(&missing)
        .arg("profiles")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "a configuration error");
    let err = stderr(&out);
    let named = missing.display().to_string();
    assert_eq!(err.matches(&named).count(), 1, "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "said once: {err}");
}

#[test]
fn the_built_in_profiles_are_the_repository_s_and_a_directory_overrides_by_name() {
    let built_in = config::load_profiles(None).expect("built in");
    let from_repo = config::load_profiles(Some(&repo().join("selectors"))).expect("repo");
    let names: Vec<&str> = built_in.names().collect();
    assert_eq!(names, from_repo.names().collect::<Vec<_>>());
    assert!(
        from_repo
            .iter()
            .all(|(_, o)| matches!(o, ProfileOrigin::Overrides { .. })),
        "every repository file replaces its built-in copy"
    );
    assert!(
        built_in
            .iter()
            .all(|(_, o)| matches!(o, ProfileOrigin::BuiltIn(_)))
    );

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("mine.toml"),
        "[[profile]]\nname = \"trs_list\"\ndescription = \"ours\"\nitem = \"ul.mine > li\"\ndate = \"span\"\n\n\
         [[profile]]\nname = \"extra\"\nitem = \"li\"\n",
    )
    .expect("write");
    let mixed = config::load_profiles(Some(dir.path())).expect("mixed");
    assert_eq!(mixed.len(), built_in.len() + 1);
    let (trs, origin) = mixed
        .iter()
        .find(|(p, _)| p.name == "trs_list")
        .expect("trs_list");
    assert_eq!(trs.description, "ours");
    assert!(
        matches!(
            origin,
            ProfileOrigin::Overrides {
                built_in: "selectors/trs.toml",
                ..
            }
        ),
        "{origin:?}"
    );
    assert!(
        mixed
            .iter()
            .any(|(p, o)| p.name == "extra" && matches!(o, ProfileOrigin::File(_)))
    );

    // The catalog: built in, or a file that replaces it.
    let catalog = config::load_catalog(None).expect("built-in catalog");
    assert_eq!(catalog.tasks.len(), 47);
    let err = config::load_catalog(Some(&dir.path().join("tasks.toml"))).expect_err("missing");
    assert!(err.to_string().contains("tasks.toml"), "{err}");
}
