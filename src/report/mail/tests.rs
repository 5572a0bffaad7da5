//! Tests of `mail`.

use super::*;

fn sample() -> OutgoingMail<'static> {
    OutgoingMail {
        to: "王主任 <wang@example.gov.cn>, li@example.gov.cn",
        subject: "政务公开周报（2026-11-23）：3 个部门逾期",
        html: "<p>本周<b>3</b>个部门逾期</p>",
        text: "本周 3 个部门逾期",
        attachment_name: "政务公开周报-2026-11-23.csv",
        csv: "部门,栏目\n区教育局,财政预决算\n",
    }
}

fn config() -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: 25,
        security: Security::None,
        user: None,
        password: None,
        from: "政务公开办 <gkb@example.gov.cn>".into(),
        ca_file: None,
        timeout: Duration::from_secs(5),
    }
}

#[test]
fn message_has_the_promised_structure_and_encodings() {
    let message = build_message("政务公开办 <gkb@example.gov.cn>", &sample()).expect("builds");
    let raw = String::from_utf8(message.formatted()).expect("ascii");
    // Headers are 7-bit: the Chinese text is in encoded words, never raw.
    let headers = raw.split("\r\n\r\n").next().expect("headers");
    assert!(headers.is_ascii(), "{headers}");
    assert!(headers.contains("Subject: =?utf-8?"), "{headers}");
    assert!(raw.contains("multipart/mixed"));
    assert!(raw.contains("multipart/alternative"));
    assert!(raw.contains("text/plain; charset=utf-8"));
    assert!(raw.contains("text/html; charset=utf-8"));
    assert!(raw.contains("text/csv; charset=utf-8"));
    assert!(raw.contains("filename*"), "RFC 2231 file name: {raw}");
    assert!(raw.contains("Message-ID: <"), "{raw}");
    assert!(raw.contains("@example.gov.cn>\r\n"), "{raw}");
    assert_eq!(message.envelope().to().len(), 2);
    assert_eq!(
        message.envelope().from().map(|a| a.to_string()),
        Some("gkb@example.gov.cn".to_owned())
    );
}

#[test]
fn bad_addresses_are_permanent_errors() {
    let mail = OutgoingMail {
        to: "not an address",
        ..sample()
    };
    let err = build_message("gkb@example.gov.cn", &mail).expect_err("bad to");
    assert!(
        matches!(err, MailError::Address { field: "to", .. }),
        "{err}"
    );
    assert!(!err.is_transient());

    let mail = OutgoingMail { to: "", ..sample() };
    assert!(build_message("gkb@example.gov.cn", &mail).is_err());

    let err = Mailer::new(&SmtpConfig {
        from: "nobody".into(),
        ..config()
    })
    .expect_err("bad from");
    assert!(
        matches!(err, MailError::Address { field: "from", .. }),
        "{err}"
    );
}

#[test]
fn ca_file_and_password_are_checked_up_front() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.pem");
    let err = Mailer::new(&SmtpConfig {
        security: Security::Starttls,
        ca_file: Some(missing.clone()),
        ..config()
    })
    .expect_err("missing CA");
    assert!(matches!(&err, MailError::CaFile { path, .. } if *path == missing));
    assert!(!err.is_transient());

    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").expect("write");
    let err = Mailer::new(&SmtpConfig {
        security: Security::Tls,
        ca_file: Some(garbage),
        ..config()
    })
    .expect_err("garbage CA");
    assert!(matches!(err, MailError::CaFile { .. }), "{err}");

    let err = Mailer::new(&SmtpConfig {
        user: Some("gkb".into()),
        ..config()
    })
    .expect_err("no password");
    assert!(matches!(err, MailError::MissingPassword { .. }));
}

#[test]
fn new_and_drop_work_outside_a_runtime() {
    // Nothing in `new` may need Tokio: settings are checked at start-up, often before
    // the runtime exists.
    let mailer = Mailer::new(&config()).expect("mailer");
    assert!(format!("{mailer:?}").contains("127.0.0.1:25"));
    drop(mailer);
}

#[test]
fn security_reads_from_lowercase_names() {
    #[derive(serde::Deserialize)]
    struct S {
        s: Vec<Security>,
    }
    let parsed: S = serde_json::from_str(r#"{"s":["starttls","tls","none"]}"#).expect("json");
    assert_eq!(
        parsed.s,
        vec![Security::Starttls, Security::Tls, Security::None]
    );
}
