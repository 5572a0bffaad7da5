//! The weekly report by mail, end to end: the demo crawled, evaluated, reported and delivered
//! by the daemon to a real SMTP server on 127.0.0.1 (aiosmtpd; skipped with a message when it
//! is not installed, unless GKWATCH_REQUIRE_SERVERS=1).

use std::time::Duration;

use chrono::Utc;
use gkwatch::report::mail::{Mailer, SmtpConfig};
use gkwatch::store::Store;

use crate::support::ServedSite;
use crate::support::daemon::{daemon_for, run_between};
use crate::support::smtp::{Mode, SmtpServer};

fn mailer(smtp: &SmtpServer) -> Mailer {
    Mailer::new(&SmtpConfig {
        from: "洮北区政务公开办 <gkb@example.gov.cn>".into(),
        timeout: Duration::from_secs(5),
        ..smtp.config(smtp.security())
    })
    .expect("mailer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_crawl_evaluate_report_and_the_mail_arrives() {
    let Some(smtp) = SmtpServer::start(Mode::StartTls).expect("aiosmtpd") else {
        return;
    };
    let demo = ServedSite::demo().await;
    let d = daemon_for(
        &demo.server.origin,
        &demo.dir.path().join("m.db"),
        Some(mailer(&smtp)),
    )
    .await;
    // Sunday night to Monday morning: the 02:30 crawl, then the 08:00 report, then delivery.
    run_between(&d, "2026-11-29 23:00", "2026-11-30 09:00").await;

    let mails = tokio::task::spawn_blocking(move || {
        let mails = smtp.wait_for(2, Duration::from_secs(20));
        (mails, smtp)
    })
    .await
    .expect("join")
    .0;
    assert_eq!(mails.len(), 2);
    let office = mails
        .iter()
        .find(|m| m.rcpt_to.contains("gkb@"))
        .expect("the office's copy");
    let czj = mails
        .iter()
        .find(|m| m.rcpt_to.contains("czj@"))
        .expect("区财政局's copy");
    assert!(
        office
            .subject
            .starts_with("【洮北区政务公开周报】2026年11月23日—11月29日"),
        "{}",
        office.subject
    );
    assert!(czj.subject.contains("区财政局"), "{}", czj.subject);
    for m in [office, czj] {
        let html = m.html.as_deref().expect("html part");
        let text = m.text.as_deref().expect("text part");
        assert!(html.contains("</html>") && text.contains("栏目更新不及时"));
        let csv = m.attachments.first().expect("CSV attachment");
        assert_eq!(csv.content_type, "text/csv");
        assert!(csv.filename.as_deref().is_some_and(|f| f.ends_with(".csv")));
        let body = String::from_utf8(csv.data.clone()).expect("utf-8 csv");
        assert!(body.starts_with('\u{feff}'), "BOM for spreadsheets");
    }
    // The office sees every department and the operator section; 区财政局 only itself.
    let office_html = office.html.as_deref().unwrap_or_default();
    for dept in ["区财政局", "区人社局", "区教育局", "区司法局"] {
        assert!(office_html.contains(dept), "office copy lacks {dept}");
    }
    let czj_html = czj.html.as_deref().unwrap_or_default();
    let czj_text = czj.text.as_deref().unwrap_or_default();
    for other in ["区人社局", "区教育局", "区司法局", "区政府办", "区民政局"] {
        assert!(
            !czj_html.contains(other) && !czj_text.contains(other),
            "区财政局's copy shows {other}"
        );
    }
    assert!(czj_html.contains("财政预决算"), "its own stale column");
    let csv = String::from_utf8_lossy(&czj.attachments[0].data).into_owned();
    assert!(csv.lines().skip(1).all(|l| l.contains("区财政局")), "{csv}");

    // Delivered exactly once: the daemon running on sends nothing more.
    let outbox = d.store.outbox(10).await.expect("outbox");
    assert!(
        outbox
            .iter()
            .all(|o| o.sent_at.is_some() && o.attempts == 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_loses_nothing_and_delivers_once_after_a_restart() {
    let Some(mut smtp) = SmtpServer::start(Mode::Plain).expect("aiosmtpd") else {
        return;
    };
    smtp.stop();
    let demo = ServedSite::demo().await;
    let db = demo.dir.path().join("m.db");

    // The report falls due while the mail server is down: stored, retried, not lost.
    let d = daemon_for(&demo.server.origin, &db, Some(mailer(&smtp))).await;
    run_between(&d, "2026-11-29 23:00", "2026-11-30 08:10").await;
    let outbox = d.store.outbox(10).await.expect("outbox");
    assert_eq!(outbox.len(), 2);
    assert!(
        outbox
            .iter()
            .all(|o| o.sent_at.is_none() && !o.held && o.attempts >= 1)
    );
    assert!(outbox.iter().all(|o| o.last_error.is_some()));
    d.store.clone().close().await;
    drop(d);

    // The daemon restarts; the mail server is back: each message goes out once.
    smtp.restart().expect("smtp back");
    let d = daemon_for(&demo.server.origin, &db, Some(mailer(&smtp))).await;
    run_between(&d, "2026-11-30 09:00", "2026-11-30 09:30").await;
    let outbox = d.store.outbox(10).await.expect("outbox");
    assert!(outbox.iter().all(|o| o.sent_at.is_some()), "{outbox:?}");
    // Another restart later that day: nothing is sent again, no second report for the week.
    d.store.clone().close().await;
    drop(d);
    let d = daemon_for(&demo.server.origin, &db, Some(mailer(&smtp))).await;
    run_between(&d, "2026-11-30 10:00", "2026-11-30 12:00").await;
    let smtp = tokio::task::spawn_blocking(move || {
        smtp.wait_for(2, Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(500));
        smtp
    })
    .await
    .expect("join");
    assert_eq!(smtp.count(), 2, "exactly one message per recipient");
    assert_eq!(d.store.outbox(10).await.expect("outbox").len(), 2);
}

#[tokio::test]
async fn a_send_cut_off_by_a_crash_is_held_not_repeated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("o.db")).await.expect("store");
    let now = Utc::now();
    let week = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let msg = |to: &str| gkwatch::store::NewMessage {
        recipient: to.into(),
        scope: "office".into(),
        subject: "周报".into(),
        html: "<p>x</p>".into(),
        text: "x".into(),
        csv: "\u{feff}编号\r\n".into(),
        attachment_name: "周报.csv".into(),
    };
    store
        .record_report(
            week,
            week,
            &Default::default(),
            &[msg("a@x.gov.cn"), msg("b@x.gov.cn")],
            now,
        )
        .await
        .expect("report");
    // Recording the week again adds no second message for a recipient.
    store
        .record_report(week, week, &Default::default(), &[msg("a@x.gov.cn")], now)
        .await
        .expect("again");
    let due = store.due_messages(now).await.expect("due");
    assert_eq!(due.len(), 2);
    // The process dies between "sending" and "sent".
    store.mark_sending(due[0].id, now).await.expect("sending");
    assert_eq!(
        store.due_messages(now).await.expect("due").len(),
        1,
        "not picked twice"
    );
    assert_eq!(store.hold_interrupted_sends().await.expect("recover"), 1);
    let rows = store.outbox(10).await.expect("outbox");
    let held = rows.iter().find(|r| r.id == due[0].id).expect("row");
    assert_eq!(held.status(), "held");
    assert!(
        held.last_error
            .as_deref()
            .is_some_and(|e| e.contains("--release"))
    );
    assert_eq!(store.due_messages(now).await.expect("due").len(), 1);
    // The operator checked the mailbox: release it.
    assert!(
        store
            .release_message(due[0].id, now)
            .await
            .expect("release")
    );
    assert_eq!(store.due_messages(now).await.expect("due").len(), 2);
}
