//! The settings file: the shipped example loads, and mistakes name their key.

use std::path::Path;

use gkwatch::config::{SmtpSecurity, load_settings};
use gkwatch::store::Store;

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

/// Asserts that the binary stopped with a configuration error (exit 3) naming the settings
/// file and saying each of `says`; its standard error.
fn assert_config_error(out: &std::process::Output, says: &[&str]) -> String {
    let err = crate::support::cli::stderr(out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    for s in std::iter::once(&"gkwatch.toml").chain(says) {
        assert!(err.contains(s), "{s:?} not said: {err}");
    }
    err
}

/// The problems of a settings file, as (key, message) pairs.
fn problems(text: &str) -> Vec<(String, String)> {
    let (r, _d) = load(text);
    let err = r.expect_err("refused");
    assert!(
        err.to_string().contains("gkwatch.toml"),
        "names the file: {err}"
    );
    err.problems()
        .iter()
        .map(|p| (p.key.clone(), p.message.clone()))
        .collect()
}

#[test]
fn schedules_that_never_run_are_refused_naming_their_key() {
    // (settings, the key named, what the message says)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "[schedule]\ncrawl = \"0 2 30 2 *\"\n",
            "schedule.crawl",
            &["\"0 2 30 2 *\"", "never fires"],
        ),
        (
            "[schedule]\nreport = \"0 8 31 4 *\"\n",
            "schedule.report",
            &["never fires"],
        ),
        (
            "[schedule]\nfull_crawl = \"0 0 0 1 1 * 2020\"\n",
            "schedule.full_crawl",
            &["never fires"],
        ),
        // 03:00 on Sundays is no time of the 02:30 crawl: the full crawl would never run.
        (
            "[schedule]\nfull_crawl = \"0 3 * * 0\"\n",
            "schedule.full_crawl",
            &[
                "no time of schedule.crawl",
                "\"30 2 * * *\"",
                "\"30 2 * * 0\"",
            ],
        ),
        // Crawls on weekdays, the full crawl on Sundays.
        (
            "[schedule]\ncrawl = \"30 2 * * 1-5\"\n",
            "schedule.full_crawl",
            &["\"30 2 * * 0\" fires at", "no time of schedule.crawl"],
        ),
    ];
    for (text, key, says) in cases {
        let found = problems(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        let (k, message) = &found[0];
        assert_eq!(k, key, "{text}");
        for s in *says {
            assert!(message.contains(s), "{text}: {message:?} lacks {s:?}");
        }
    }
    // Aligned and possible schedules load: the first of the month at the crawl's time, a leap
    // day, no full crawl at all.
    for text in [
        "[schedule]\nfull_crawl = \"30 2 1 * *\"\n",
        "[schedule]\nfull_crawl = \"30 2 29 2 *\"\n",
        "[schedule]\nfull_crawl = \"\"\n",
        "[schedule]\ncrawl = \"0 */6 * * *\"\nfull_crawl = \"0 6 * * 0\"\n",
    ] {
        let (r, _d) = load(text);
        assert!(r.is_ok(), "{text}: {:?}", r.err().map(|e| e.to_string()));
    }
}

/// The demo district's targets (区政府办, 区财政局 alias 洮北区财政局, 区司法局 …).
fn demo_targets() -> gkwatch::config::Targets {
    gkwatch::config::load(
        &repo().join("targets/demo.toml"),
        None,
        &gkwatch::config::LoadOptions::default(),
    )
    .expect("demo targets")
    .targets
}

#[test]
fn recipient_departments_must_be_departments_of_the_targets() {
    let (r, _d) = load(
        "[recipients]\noffice = [\"gkb@x.gov.cn\"]\n[recipients.departments]\n\
         \"区财政\" = [\"czj@x.gov.cn\"]\n\"区司法局\" = [\"sfj@x.gov.cn\"]\n\"区交通局\" = [\"jtj@x.gov.cn\"]\n",
    );
    let settings = r.expect("the file itself is fine");
    let err = settings
        .for_targets(&demo_targets())
        .expect_err("unknown departments refused");
    let found: Vec<(&str, &str)> = err
        .problems()
        .iter()
        .map(|p| (p.key.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, "recipients.departments.区交通局");
    assert!(
        found[0].1.contains("neither the name nor an alias") && found[0].1.contains("区财政局、"),
        "lists the departments: {}",
        found[0].1
    );
    assert_eq!(found[1].0, "recipients.departments.区财政");
    assert!(
        found[1].1.contains("did you mean \"区财政局\""),
        "{}",
        found[1].1
    );
    assert!(
        err.problems()
            .iter()
            .all(|p| p.file.ends_with("gkwatch.toml"))
    );

    // Names and aliases are both fine; an alias's addresses go to the department's name.
    let (r, _d) = load(
        "[recipients.departments]\n\"洮北区财政局\" = [\"a@x.gov.cn\"]\n\"区财政局\" = [\"b@x.gov.cn\", \"a@x.gov.cn\"]\n",
    );
    let checked = r
        .expect("loads")
        .for_targets(&demo_targets())
        .expect("known departments");
    assert_eq!(
        checked.recipients.departments,
        std::collections::BTreeMap::from([(
            "区财政局".to_string(),
            vec!["b@x.gov.cn".to_string(), "a@x.gov.cn".to_string()]
        )])
    );
}

#[tokio::test]
async fn the_binary_refuses_unknown_recipients_before_any_work_with_exit_3() {
    use crate::support::cli::{gkwatch_on, run, stderr};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("g.db");
    let targets = repo().join("targets/demo.toml");
    let command = |settings: &Path, args: &[&str]| {
        let mut cmd = gkwatch_on(&db);
        cmd.arg("--targets")
            .arg(&targets)
            .arg("--config")
            .arg(settings)
            .args(args);
        cmd
    };
    let settings = crate::support::settings::write(
        dir.path(),
        "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nsecurity = \"none\"\nfrom = \"gk@x.gov.cn\"\n\
         [recipients]\noffice = [\"gkb@x.gov.cn\"]\n[recipients.departments]\n\"区财正局\" = [\"czj@x.gov.cn\"]\n",
    );
    // `report --send-now` needs a database: an empty one, migrated when opened.
    let store = Store::open(&db).await.expect("store");
    store.close().await;
    for args in [
        &["daemon"][..],
        &["check-config"],
        &["report", "--send-now"],
    ] {
        let out = run(command(&settings, args)).await;
        let err = assert_config_error(
            &out,
            &[
                "recipients.departments.区财正局",
                "did you mean \"区财政局\"",
            ],
        );
        // The key and the message name it: one error, said once.
        assert_eq!(err.matches("区财正局").count(), 2, "{args:?}: {err}");
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .expect("pool");
    for table in ["outbox", "reports", "findings", "crawl_runs"] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&pool)
                .await
                .expect("count");
        assert_eq!(n, 0, "nothing was done: {table}");
    }
    pool.close().await;

    // Fixed (an alias names the department too), check-config says what it holds.
    let settings = crate::support::settings::write(
        dir.path(),
        "[recipients]\noffice = [\"gkb@x.gov.cn\"]\n[recipients.departments]\n\"洮北区财政局\" = [\"czj@x.gov.cn\"]\n",
    );
    let out = run(command(&settings, &["check-config"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("configuration ok") && text.contains("departments 区财政局;"),
        "{text}"
    );
}

#[test]
fn a_schedule_that_never_fires_stops_the_daemon_with_exit_3() {
    use crate::support::cli::gkwatch_on;
    let dir = tempfile::tempdir().expect("tempdir");
    let settings =
        crate::support::settings::write(dir.path(), "[schedule]\ncrawl = \"30 2 30 2 *\"\n");
    let out = gkwatch_on(&dir.path().join("g.db"))
        .arg("--config")
        .arg(&settings)
        .arg("daemon")
        .output()
        .expect("run");
    assert_config_error(&out, &["schedule.crawl", "never fires"]);
    assert!(!dir.path().join("g.db").exists(), "nothing was created");
}
