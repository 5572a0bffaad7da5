//! The findings refreshed: stored classification kept current with the catalog, the stored
//! facts judged, the findings' history recorded.

use std::collections::HashMap;

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::classify::{Classifier, ColumnPrior, fingerprint};
use crate::evaluate::EvaluateOptions;
use crate::store::{FindingsSync, Store};
use crate::types::Finding;
use crate::types::Match;

use super::PipelineError;

/// The outcome of an evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub sync: FindingsSync,
    /// Items reclassified because the catalog or the columns' categories changed.
    pub reclassified: usize,
}

/// Brings stored classification up to date with the catalog, judges the stored facts and
/// records the findings' history.
pub async fn refresh_findings(
    catalog: &Catalog,
    store: &Store,
    calendar: &Calendar,
    opts: &EvaluateOptions,
) -> Result<Evaluation, PipelineError> {
    let columns = store.column_categories().await?;
    let fp = fingerprint(
        catalog,
        columns
            .iter()
            .map(|c| (c.id.as_str(), c.categories.as_slice())),
    );
    let mut reclassified = 0;
    if store.meta("classification").await?.as_deref() != Some(fp.as_str()) {
        let priors: HashMap<&str, &[String]> = columns
            .iter()
            .map(|c| (c.id.as_str(), c.categories.as_slice()))
            .collect();
        let classifier = Classifier::new(catalog);
        let items = store.items_to_classify().await?;
        let updates: Vec<(i64, Vec<Match>)> = items
            .iter()
            .map(|i| {
                let prior = priors.get(i.column_id.as_str()).map(|cats| ColumnPrior {
                    id: &i.column_id,
                    categories: cats,
                });
                (i.id, classifier.classify(&i.title, prior).matched)
            })
            .collect();
        reclassified = updates.len();
        store.replace_categories(&updates, &fp).await?;
        tracing::info!(items = reclassified, "reclassified stored items");
    }
    let t = std::time::Instant::now();
    let facts = store.facts(opts.unreachable_after.max(1) + 1).await?;
    let loaded = t.elapsed();
    let findings = crate::evaluate::evaluate(&facts, catalog, calendar, opts);
    let judged = t.elapsed() - loaded;
    // A million items take a while to free: on another thread, while the findings are saved.
    let freed = tokio::task::spawn_blocking(move || drop(facts));
    let sync = store.sync_findings(&findings, opts.today).await?;
    // Freed before returning, so that memory is back before whatever comes next.
    let _ = freed.await;
    tracing::debug!(
        facts_ms = loaded.as_millis(),
        evaluate_ms = judged.as_millis(),
        sync_ms = (t.elapsed() - loaded - judged).as_millis(),
        findings = findings.len(),
        "evaluated"
    );
    Ok(Evaluation {
        findings,
        sync,
        reclassified,
    })
}
