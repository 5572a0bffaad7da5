//! The district is a setting: the weekly report's title, the office it names and the staff
//! commands' headings follow `district =` in the settings file, and default to 洮北区.

use assert_cmd::Command;

use crate::support::cli::gkwatch_on as gkwatch;

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run gkwatch");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_district_setting_names_the_report_and_the_headings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    stdout(gkwatch(&db).args(["demo", "--today", "2026-11-27"]));
    let settings = dir.path().join("gkwatch.toml");
    std::fs::write(&settings, "district = \"镇赉县\"\n").expect("settings");

    for (config, district, other) in [
        (None, "洮北区", "镇赉县"),
        (Some(&settings), "镇赉县", "洮北区"),
    ] {
        let with = |args: &[&str]| {
            let mut cmd = gkwatch(&db);
            if let Some(c) = config {
                cmd.arg("--config").arg(c);
            }
            cmd.args(args);
            cmd
        };
        let html = dir.path().join(format!("{district}.html"));
        stdout(
            with(&["report", "--today", "2026-11-27", "--week", "2026-11-23"])
                .arg("--preview")
                .arg(&html),
        );
        let html = std::fs::read_to_string(&html).expect("preview");
        assert!(
            html.contains(&format!("{district}政务公开周报")),
            "title of {district}"
        );
        assert!(
            html.contains(&format!("请联系{district}政务公开办")),
            "office of {district}"
        );
        assert!(
            !html.contains(&format!("{other}政务公开")),
            "no trace of {other}"
        );

        let findings = stdout(&mut with(&["findings", "--today", "2026-11-27"]));
        assert!(
            findings.starts_with(&format!("{district}政务公开问题清单（2026-11-27）")),
            "{findings}"
        );
        let departments = stdout(&mut with(&["departments", "--today", "2026-11-27"]));
        assert!(
            departments.starts_with(&format!("{district}各部门政务公开情况")),
            "{departments}"
        );
        let tasks = stdout(&mut with(&["tasks", "--today", "2026-11-27"]));
        assert!(
            tasks.starts_with(&format!("{district}政务公开重点工作任务（2026年）")),
            "{tasks}"
        );
    }

    // An empty name is a configuration error naming the key.
    std::fs::write(&settings, "district = \" \"\n").expect("settings");
    let out = gkwatch(&db)
        .arg("--config")
        .arg(&settings)
        .arg("findings")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("district") && err.contains("gkwatch.toml"),
        "{err}"
    );
}
