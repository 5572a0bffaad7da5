//! The settings file: the shipped example loads, and mistakes name their key.

use std::path::Path;

use gkwatch::config::{SmtpSecurity, load_settings};

use crate::support::repo;

fn load(
    text: &str,
) -> (
    Result<gkwatch::config::Settings, gkwatch::config::ConfigError>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gkwatch.toml");
    std::fs::write(&path, text).expect("write");
    (load_settings(Some(&path)), dir)
}

/// The `[smtp]` section of a settings file holding `password` (its key and value lines)
/// beside a host, user and sender; and the file's directory.
fn smtp_with(password: &str) -> (gkwatch::config::SmtpSettings, tempfile::TempDir) {
    let (r, dir) = load(&format!(
        "[smtp]\nhost = \"smtp.x.gov.cn\"\nuser = \"a@x.gov.cn\"\n{password}from = \"a@x.gov.cn\"\n"
    ));
    (r.expect("loads").smtp.expect("smtp"), dir)
}

#[test]
fn the_annotated_example_loads() {
    let s = load_settings(Some(&repo().join("src/deploy/gkwatch.example.toml"))).expect("example");
    assert_eq!(s.timezone, chrono_tz::Asia::Shanghai);
    assert_eq!(s.schedule.crawl.source(), "30 2 * * *");
    assert_eq!(s.schedule.report.source(), "0 8 * * 1");
    let smtp = s.smtp.expect("smtp section");
    assert_eq!((smtp.port, smtp.security), (587, SmtpSecurity::Starttls));
    assert_eq!(smtp.password_credential.as_deref(), Some("smtp-password"));
    assert_eq!(s.recipients.departments["区财政局"], ["czj@example.gov.cn"]);
    assert_eq!(
        s.database.as_deref(),
        Some(Path::new("/var/lib/gkwatch/gkwatch.db"))
    );
}

#[test]
fn defaults_without_a_file() {
    let s = gkwatch::config::Settings::default();
    assert_eq!(s.schedule.crawl.source(), "30 2 * * *");
    assert!(s.smtp.is_none());
}

#[test]
fn a_password_in_the_file_is_refused() {
    let (r, _d) = load(
        "[smtp]\nhost = \"smtp.x.gov.cn\"\nuser = \"a@x.gov.cn\"\npassword = \"secret\"\nfrom = \"a@x.gov.cn\"\n",
    );
    let msg = r.expect_err("refused").to_string();
    assert!(
        msg.contains("gkwatch.toml") && msg.contains("smtp.password"),
        "{msg}"
    );
    assert!(
        msg.contains("password_env"),
        "says what to do instead: {msg}"
    );
}

#[test]
fn the_password_comes_from_the_environment_or_a_file() {
    let (smtp, dir) = smtp_with("password_file = \"pw\"\n");
    let err = smtp.password().expect_err("no file yet").to_string();
    assert!(err.contains("smtp.password_file"), "{err}");
    std::fs::write(dir.path().join("pw"), "s3cret\n").expect("write");
    assert_eq!(smtp.password().expect("read").as_deref(), Some("s3cret"));

    let (smtp, _d) = smtp_with("password_env = \"GKWATCH_TEST_UNSET_VAR\"\n");
    let err = smtp.password().expect_err("unset").to_string();
    assert!(err.contains("GKWATCH_TEST_UNSET_VAR"), "{err}");
}

#[test]
fn bad_schedules_zones_and_addresses_name_their_keys() {
    let (r, _d) = load(
        "timezone = \"Asia/Beijing\"\n[schedule]\ncrawl = \"30 2 * *\"\nreport = \"0 8 1 * 1\"\n[recipients]\noffice = [\"nobody\"]\n",
    );
    let err = r.expect_err("refused");
    let msg = err.to_string();
    for key in [
        "timezone",
        "schedule.crawl",
        "schedule.report",
        "recipients.office[0]",
    ] {
        assert!(msg.contains(key), "{key} not named: {msg}");
    }
    assert_eq!(err.problems().len(), 4);
}

#[test]
fn a_proxy_must_be_http_https_or_socks5() {
    let (r, _d) = load("[crawl]\nproxy = \"ftp://proxy.example.gov.cn:21/\"\n");
    let msg = r.expect_err("refused").to_string();
    assert!(
        msg.contains("crawl.proxy") && msg.contains("socks5"),
        "{msg}"
    );
    let (r, _d) = load("[crawl]\nproxy = \"socks5h://10.1.2.3:1080\"\n");
    let s = r.expect("a socks proxy");
    assert_eq!(
        s.crawl.proxy.map(|u| u.to_string()).as_deref(),
        Some("socks5h://10.1.2.3:1080")
    );
}

#[test]
fn the_password_from_a_systemd_credential_or_a_file_variable() {
    use std::collections::HashMap;
    use std::ffi::OsString;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("smtp-password"), "cred-pw\n").expect("write");
    std::fs::write(dir.path().join("pw-file"), "file-pw").expect("write");
    let env_of = |pairs: &[(&str, OsString)]| {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |name: &str| map.get(name).cloned()
    };

    let (smtp, _d) = smtp_with("password_credential = \"smtp-password\"\n");
    let env = env_of(&[("CREDENTIALS_DIRECTORY", dir.path().as_os_str().to_owned())]);
    assert_eq!(
        smtp.password_from(env).expect("credential").as_deref(),
        Some("cred-pw")
    );
    let err = smtp
        .password_from(env_of(&[]))
        .expect_err("no credentials directory")
        .to_string();
    assert!(err.contains("CREDENTIALS_DIRECTORY"), "{err}");

    let (smtp, _d) = smtp_with("password_env = \"GKWATCH_PW\"\n");
    let file = dir.path().join("pw-file").into_os_string();
    let env = env_of(&[("GKWATCH_PW_FILE", file.clone())]);
    assert_eq!(
        smtp.password_from(env).expect("via _FILE").as_deref(),
        Some("file-pw")
    );
    let env = env_of(&[("GKWATCH_PW_FILE", file), ("GKWATCH_PW", "env-pw".into())]);
    assert_eq!(
        smtp.password_from(env).expect("env wins").as_deref(),
        Some("env-pw")
    );
    let err = smtp
        .password_from(env_of(&[]))
        .expect_err("unset")
        .to_string();
    assert!(err.contains("GKWATCH_PW_FILE"), "{err}");
}
