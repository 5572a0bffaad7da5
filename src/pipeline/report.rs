//! The weekly report's flow: evaluate, gather, render for each recipient, put in the outbox — then
//! deliver what the outbox holds, retrying what failed.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::evaluate::EvaluateOptions;
use crate::report::mail::{Mailer, OutgoingMail};
use crate::report::model::{Scope, Week};
use crate::report::{build, render};
use crate::store::{NewMessage, Store, StoreError};

use super::{PipelineError, refresh_findings};

/// The report of a week, stored in the outbox.
#[derive(Debug, Clone)]
pub struct PreparedReport {
    pub report_id: i64,
    pub week: Week,
    /// Messages now in the outbox for this week (new or from an earlier attempt).
    pub messages: usize,
}

/// Preparing a report failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "no recipients: set recipients.office (and per-department addresses) in the settings file"
    )]
    NoRecipients,
}

/// Evaluates as of `as_of`, builds the report of `week` for the settings' district and
/// stores one rendered message per recipient. A week already in the outbox gets no second
/// message for the same recipient.
pub async fn prepare_report(
    store: &Store,
    catalog: &Catalog,
    calendar: &Calendar,
    settings: &Settings,
    week: Week,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PreparedReport, ReportError> {
    let recipients = &settings.recipients;
    if recipients.office.is_empty() && recipients.departments.is_empty() {
        return Err(ReportError::NoRecipients);
    }
    let evaluation =
        refresh_findings(catalog, store, calendar, &EvaluateOptions::new(as_of)).await?;
    let data = build(
        store,
        catalog,
        calendar,
        &settings.district,
        week,
        as_of,
        &evaluation.published_this_year,
    )
    .await?;
    let attachment = format!("政务公开周报-{}.csv", week.monday);
    let mut messages = Vec::new();
    let mut add = |scope: &Scope, label: String, to: &[String]| {
        let r = render(&data, scope);
        for recipient in to {
            messages.push(NewMessage {
                recipient: recipient.clone(),
                scope: label.clone(),
                subject: r.subject.clone(),
                html: r.html.clone(),
                text: r.text.clone(),
                csv: r.csv.clone(),
                attachment_name: attachment.clone(),
            });
        }
    };
    add(&Scope::Office, "office".into(), &recipients.office);
    for (dept, to) in &recipients.departments {
        add(&Scope::Department(dept.clone()), dept.clone(), to);
    }
    let count = messages.len();
    let report_id = store
        .record_report(week.monday, as_of, &data.open_counts(), &messages, now)
        .await?;
    tracing::info!(week = %week.monday, messages = count, "weekly report stored in the outbox");
    Ok(PreparedReport {
        report_id,
        week,
        messages: count,
    })
}

/// What a delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    /// Failed for now, retried later.
    pub retrying: usize,
    /// Failed for good (rejected recipient, bad address): held for the operator.
    pub held: usize,
}

/// Wait before the next attempt: 1, 2, 4 … minutes, at most 6 hours.
fn retry_delay(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(9);
    Duration::from_secs(60 * (1u64 << exp)).min(Duration::from_secs(6 * 3600))
}

/// Sends every message that is due. Each is marked as being sent (committed) before the SMTP
/// conversation and as sent only after the server accepted it.
pub async fn deliver_due(
    store: &Store,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let mut d = Delivery::default();
    for m in store.due_messages(now).await? {
        store.mark_sending(m.id, Utc::now()).await?;
        let mail = OutgoingMail {
            to: &m.recipient,
            subject: &m.subject,
            html: &m.html,
            text: &m.text,
            attachment_name: &m.attachment_name,
            csv: &m.csv,
        };
        match mailer.send(&mail).await {
            Ok(()) => {
                store.mark_sent(m.id, Utc::now()).await?;
                tracing::info!(id = m.id, to = %m.recipient, "report delivered");
                d.sent += 1;
            }
            Err(e) => {
                let transient = e.is_transient();
                let retry = transient.then(|| {
                    now + chrono::Duration::from_std(retry_delay(m.attempts + 1))
                        .unwrap_or_else(|_| chrono::Duration::hours(6))
                });
                store.mark_failed(m.id, &e.to_string(), retry).await?;
                tracing::warn!(id = m.id, to = %m.recipient, error = %e, transient, "report not delivered");
                if transient {
                    d.retrying += 1;
                } else {
                    d.held += 1;
                }
                // The server is down or refuses us: the others would fail the same way.
                if e.affects_every_message() {
                    break;
                }
            }
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_six_hours() {
        assert_eq!(retry_delay(1), Duration::from_secs(60));
        assert_eq!(retry_delay(2), Duration::from_secs(120));
        assert_eq!(retry_delay(5), Duration::from_secs(960));
        assert_eq!(retry_delay(30), Duration::from_secs(6 * 3600));
    }
}
