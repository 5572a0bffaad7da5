//! The SMTP harness ([`crate::support::smtp`]) and `gkwatch::report::mail` against a real
//! server: every part decoded as a mail client would, batches, STARTTLS and implicit TLS, AUTH,
//! and how refusals, a server that is down and one that goes silent are classified. The tests
//! needing aiosmtpd skip with a message without it (unless `GKWATCH_REQUIRE_SERVERS=1`); the
//! scripted ones need nothing.

use std::time::Duration;

use gkwatch::report::mail::{MailError, Mailer, OutgoingMail, Security, SmtpConfig};

use crate::support::smtp::{
    DEFERRED_DOMAIN, Mode, REJECTED_DOMAIN, ReceivedMail, ServerOptions, SmtpServer,
};

const WAIT: Duration = Duration::from_secs(10);
const SUBJECT: &str = "政务公开周报（2026-11-23）：3 个部门逾期";
const FILENAME: &str = "政务公开周报-2026-11-23.csv";
// A quoted field with a comma and a newline, so that CSV quoting survives transit.
const CSV: &str =
    "部门,栏目,逾期天数\n区教育局,财政预决算,12\n区卫健委,\"重点领域,医疗\n卫生\",3\n";
const HTML: &str = "<h1>政务公开周报</h1>\n<p>区教育局：<b>财政预决算</b>逾期 12 天</p>\n";
const TEXT: &str = "政务公开周报\n区教育局：财政预决算逾期 12 天\n";

fn report_mail(to: &str) -> OutgoingMail<'_> {
    OutgoingMail {
        to,
        subject: SUBJECT,
        html: HTML,
        text: TEXT,
        attachment_name: FILENAME,
        csv: CSV,
    }
}

/// Settings for a scripted server on 127.0.0.1:`port` that may never answer.
fn silent_server_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        security: Security::None,
        user: None,
        password: None,
        from: "gkb@example.gov.cn".to_owned(),
        ca_file: None,
        timeout: Duration::from_millis(500),
    }
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

#[tokio::test]
async fn plain_delivery_decodes_every_part() {
    let Some(server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
        return;
    };
    let mailer = Mailer::new(&server.config(Security::None)).expect("mailer");
    mailer
        .send(&report_mail("王主任 <wang@example.gov.cn>"))
        .await
        .expect("sent");

    let mails = server.wait_for(1, WAIT);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.subject, SUBJECT);
    assert_eq!(mail.from, "政务公开办 <gkb@example.gov.cn>");
    assert_eq!(mail.to, "王主任 <wang@example.gov.cn>");
    assert_eq!(mail.mail_from, "gkb@example.gov.cn");
    assert_eq!(mail.rcpt_to, "wang@example.gov.cn");
    assert!(mail.message_id.ends_with("@example.gov.cn>"), "{mail:?}");
    assert_eq!(
        mail.structure,
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain; charset=utf-8",
            "text/html; charset=utf-8",
            "text/csv; charset=utf-8",
        ]
    );
    assert_eq!(mail.text.as_deref(), Some(crlf(TEXT).as_str()));
    assert_eq!(mail.html.as_deref(), Some(crlf(HTML).as_str()));
    assert_eq!(mail.attachments.len(), 1);
    let csv = &mail.attachments[0];
    assert_eq!(csv.filename.as_deref(), Some(FILENAME));
    assert_eq!(csv.content_type, "text/csv");
    assert_eq!(csv.charset.as_deref(), Some("utf-8"));
    // CSV goes out with CRLF line ends (RFC 4180), the quoted newline included.
    assert_eq!(String::from_utf8_lossy(&csv.data), crlf(CSV));
    mailer.close().await;
}

#[tokio::test]
async fn one_mailer_sends_a_batch_to_several_recipients() {
    let Some(server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
        return;
    };
    let mailer = Mailer::new(&server.config(Security::None)).expect("mailer");
    for to in [
        "a@example.gov.cn",
        "b@example.gov.cn, 陈科长 <c@example.gov.cn>",
        "d@example.gov.cn",
    ] {
        mailer.send(&report_mail(to)).await.expect("sent");
    }
    let mails = server.wait_for(3, WAIT);
    assert_eq!(mails.len(), 3);
    let mut recipients: Vec<&str> = mails.iter().map(|m| m.rcpt_to.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        [
            "a@example.gov.cn",
            "b@example.gov.cn, c@example.gov.cn",
            "d@example.gov.cn"
        ]
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to.contains("陈科长 <c@example.gov.cn>"))
    );
}

/// One report to wang@example.gov.cn through a fresh mailer with `config`.
async fn send_once(config: &SmtpConfig) -> Result<(), MailError> {
    let mailer = Mailer::new(config).expect("mailer");
    mailer.send(&report_mail("wang@example.gov.cn")).await
}

/// Starts a server in `mode` and sends it one report with `security`; returns the mail as it
/// arrived (`None`: skipped, aiosmtpd is not installed).
async fn send_one(mode: Mode, security: Security) -> Option<ReceivedMail> {
    let server = SmtpServer::start(mode).expect("start aiosmtpd")?;
    if let Err(e) = send_once(&server.config(security)).await {
        panic!("not sent over {security:?}: {e}");
    }
    Some(server.wait_for(1, WAIT).remove(0))
}

#[tokio::test]
async fn starttls_with_the_test_ca_delivers() {
    // The server refuses MAIL FROM before STARTTLS, so delivery proves the upgrade.
    let Some(mail) = send_one(Mode::StartTls, Security::Starttls).await else {
        return;
    };
    assert_eq!(mail.subject, SUBJECT);
    assert_eq!(mail.attachments[0].filename.as_deref(), Some(FILENAME));
}

#[tokio::test]
async fn implicit_tls_with_the_test_ca_delivers() {
    let Some(mail) = send_one(Mode::ImplicitTls, Security::Tls).await else {
        return;
    };
    assert_eq!(mail.subject, SUBJECT);
}

#[tokio::test]
async fn tls_required_never_falls_back_to_clear_text() {
    let Some(server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
        return;
    };
    let by_name = |security| SmtpConfig {
        host: "localhost".to_owned(),
        ..server.config(security)
    };
    // A server without STARTTLS (or one whose offer was stripped on the way).
    let err = send_once(&by_name(Security::Starttls))
        .await
        .expect_err("must refuse to send in clear");
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(!err.is_transient(), "{err}");
    assert!(err.to_string().contains("STARTTLS"), "{err}");

    // Implicit TLS against a plain port: a handshake failure, not a hang.
    let err = send_once(&by_name(Security::Tls))
        .await
        .expect_err("no TLS there");
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(!err.is_transient(), "{err}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_permanent_tls_error() {
    // Only the system roots: the test CA is unknown to them. Retrying cannot fix this,
    // the settings (ca_file) must change, so it is not transient.
    for (mode, security) in [
        (Mode::StartTls, Security::Starttls),
        (Mode::ImplicitTls, Security::Tls),
    ] {
        let Some(server) = SmtpServer::start(mode).expect("start aiosmtpd") else {
            return;
        };
        let err = send_once(&SmtpConfig {
            ca_file: None,
            ..server.config(security)
        })
        .await
        .expect_err("certificate not trusted");
        assert!(matches!(err, MailError::Tls { .. }), "{mode:?}: {err:?}");
        assert!(!err.is_transient(), "{mode:?}: {err}");
        assert!(err.affects_every_message(), "{mode:?}: {err}");
        assert!(err.to_string().contains("certificate"), "{mode:?}: {err}");
        assert_eq!(server.count(), 0);
    }
}

#[tokio::test]
async fn auth_over_starttls() {
    let options = ServerOptions {
        auth: Some(("gkb".to_owned(), "口令-s3cret".to_owned())),
        ..ServerOptions::default()
    };
    let Some(server) = SmtpServer::start_with(Mode::StartTls, &options).expect("start aiosmtpd")
    else {
        return;
    };
    let with_login = |password: &str| SmtpConfig {
        user: Some("gkb".to_owned()),
        password: Some(password.to_owned()),
        ..server.config(Security::Starttls)
    };

    send_once(&with_login("口令-s3cret"))
        .await
        .expect("sent after AUTH");
    assert_eq!(server.wait_for(1, WAIT).len(), 1);

    let err = send_once(&with_login("wrong"))
        .await
        .expect_err("bad password");
    assert!(matches!(err, MailError::Send { .. }), "{err:?}");
    assert_eq!(err.smtp_code(), Some(535), "{err}");
    assert!(!err.is_transient(), "{err}");
    assert!(err.affects_every_message(), "{err}");

    // Without credentials the server insists on AUTH.
    let err = send_once(&server.config(Security::Starttls))
        .await
        .expect_err("AUTH required");
    assert_eq!(err.smtp_code(), Some(530), "{err}");
    assert!(!err.is_transient(), "{err}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn refused_recipients_are_classified_by_reply_code() {
    let options = ServerOptions {
        scripted_refusals: true,
        ..ServerOptions::default()
    };
    let Some(server) = SmtpServer::start_with(Mode::Plain, &options).expect("start aiosmtpd")
    else {
        return;
    };
    let mailer = Mailer::new(&server.config(Security::None)).expect("mailer");

    let rejected = format!("nobody@{REJECTED_DOMAIN}");
    let err = mailer.send(&report_mail(&rejected)).await.expect_err("550");
    assert_eq!(err.smtp_code(), Some(550), "{err}");
    assert!(!err.is_transient(), "{err}");
    assert!(!err.affects_every_message(), "only this recipient: {err}");
    // The server's own words reach the operator.
    assert!(err.to_string().contains("mailbox unavailable"), "{err}");

    let deferred = format!("busy@{DEFERRED_DOMAIN}");
    let err = mailer.send(&report_mail(&deferred)).await.expect_err("451");
    assert_eq!(err.smtp_code(), Some(451), "{err}");
    assert!(err.is_transient(), "{err}");
    assert!(!err.affects_every_message(), "{err}");

    // Refusals close the connection; the mailer still delivers afterwards.
    mailer
        .send(&report_mail("wang@example.gov.cn"))
        .await
        .expect("sent");
    assert_eq!(server.wait_for(1, WAIT)[0].rcpt_to, "wang@example.gov.cn");
}

#[tokio::test]
async fn a_server_that_is_down_is_a_transient_error() {
    let Some(mut server) = SmtpServer::start(Mode::Plain).expect("start aiosmtpd") else {
        return;
    };
    let config = server.config(Security::None);
    let mailer = Mailer::new(&config).expect("mailer");
    mailer
        .send(&report_mail("wang@example.gov.cn"))
        .await
        .expect("sent while up");
    server.stop();

    // Both the mailer holding a (now dead) pooled connection and a fresh one.
    for mailer in [mailer, Mailer::new(&config).expect("mailer")] {
        let err = mailer
            .send(&report_mail("wang@example.gov.cn"))
            .await
            .expect_err("server is down");
        assert!(matches!(err, MailError::Connect { .. }), "{err:?}");
        assert!(err.is_transient(), "{err}");
        assert!(err.affects_every_message(), "{err}");
        assert!(err.to_string().contains(&server.address()), "{err}");
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_transiently() {
    // Needs no aiosmtpd: a socket that accepts and then says nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let mailer = Mailer::new(&silent_server_config(port)).expect("mailer");
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        mailer.send(&report_mail("wang@example.gov.cn")),
    )
    .await
    .expect("the configured timeout applies")
    .expect_err("no greeting");
    assert!(matches!(err, MailError::Timeout { .. }), "{err:?}");
    assert!(err.is_transient(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    drop(listener);
}

/// A scripted server on loopback: the first connection goes silent after the message
/// body, later ones accept. Returns the port and a count of connections.
async fn silent_after_data_once() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let nth = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 scripted ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-scripted\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            while let Ok(Some(body)) = lines.next_line().await {
                                if body == "." {
                                    break;
                                }
                            }
                            if nth == 0 {
                                // Never answer, but keep the connection open.
                                std::future::pending::<()>().await;
                            }
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 OK\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, connections)
}

#[tokio::test]
async fn a_connection_left_mid_dialogue_is_not_reused() {
    // Needs no aiosmtpd. Without discarding the pool after the time-out, the second
    // send would reuse the first connection, whose server never answers again.
    let (port, connections) = silent_after_data_once().await;
    let mailer = Mailer::new(&silent_server_config(port)).expect("mailer");
    let err = mailer
        .send(&report_mail("wang@example.gov.cn"))
        .await
        .expect_err("no reply to the message");
    assert!(matches!(err, MailError::Timeout { .. }), "{err:?}");
    // Let lettre's background task put the abandoned connection back into its pool,
    // as it would while a caller records the failure.
    tokio::time::sleep(Duration::from_millis(100)).await;
    mailer
        .send(&report_mail("wang@example.gov.cn"))
        .await
        .expect("a fresh connection delivers");
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the second message went over a new connection"
    );
}
