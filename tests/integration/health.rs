//! `gkwatch health` for monitoring, and the office's holidays file: exit 0 / 1 / 2 with one line
//! per check, judged at a given time.

use crate::support::cli::{gkwatch_on, stderr};

/// Holidays of the year after the shipped calendar's last, as an office would add them from
/// the 国务院办公厅 notice (test data, not a real notice).
fn holidays_after_the_shipped_calendar() -> String {
    let next = gkwatch::calendar::LAST_YEAR + 1;
    format!("# test data\n{next}-01-01\toff\t元旦\n{next}-10-01\toff\t国庆节\n")
}

#[test]
fn health_is_critical_three_days_after_the_last_crawl_and_ok_right_after_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let out = gkwatch_on(&db)
        .args(["demo", "--today", "2026-11-27"])
        .output()
        .expect("demo");
    assert!(out.status.success(), "{}", stderr(&out));
    let holidays = dir.path().join("holidays.txt");
    std::fs::write(&holidays, holidays_after_the_shipped_calendar()).expect("holidays");
    let settings = dir.path().join("gkwatch.toml");
    std::fs::write(
        &settings,
        format!("calendar_file = {:?}\n", holidays.display().to_string()),
    )
    .expect("settings");
    let health = |at: Option<String>| {
        let mut cmd = gkwatch_on(&db);
        cmd.arg("--config").arg(&settings).arg("health");
        if let Some(at) = at {
            cmd.args(["--at", &at]);
        }
        cmd.output().expect("health")
    };

    // Right after the demo's crawl (the demo's failing column is one of 11: below the warning
    // share). The calendar check passes with the office's file even in December.
    let out = health(None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.starts_with("GKWATCH OK"), "{text}");
    for name in ["last_crawl", "crawl_failures", "mail", "calendar", "disk"] {
        assert!(text.contains(name), "{name} in {text}");
    }

    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let out = health(Some(later));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.starts_with("GKWATCH CRITICAL"), "{text}");
    assert!(text.contains("did not run"), "{text}");

    // Without the holidays file, December of the calendar's last year warns about next year.
    let end = gkwatch::calendar::LAST_YEAR;
    let out = gkwatch_on(&db)
        .args([
            "health",
            "--format",
            "json",
            "--at",
            &format!("{end}-12-02T08:00:00+08:00"),
        ])
        .output()
        .expect("health");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let calendar = v["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "calendar"))
        .expect("calendar check");
    assert_eq!(calendar["level"], "warning", "{v}");
}

#[test]
fn a_broken_holidays_file_is_a_configuration_error_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let holidays = dir.path().join("holidays.txt");
    std::fs::write(
        &holidays,
        "# ok\n2027-01-01\toff\t元旦\n2027-13-01\toff\t?\n",
    )
    .expect("write");
    let settings = dir.path().join("gkwatch.toml");
    std::fs::write(
        &settings,
        format!("calendar_file = {:?}\n", holidays.display().to_string()),
    )
    .expect("settings");
    let out = gkwatch_on(&dir.path().join("none.db"))
        .arg("--config")
        .arg(&settings)
        .arg("paths")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("holidays.txt") && err.contains("line 3"),
        "{err}"
    );
}
