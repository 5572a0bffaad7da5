//! The findings refreshed: stored classification kept current with the catalog, the stored
//! facts judged, the findings' history recorded — or, for a dry run, judged and compared with
//! the stored findings without writing anything.

use std::collections::{HashMap, HashSet};

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::classify::{Classifier, ColumnPrior, fingerprint};
use crate::evaluate::{EvaluateOptions, Evaluator};
use crate::report::Published;
use crate::store::{ColumnCategories, FindingFilter, FindingsSync, Store};
use crate::types::{Facts, Finding, Match};

use super::PipelineError;

/// The outcome of an evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// What syncing changed (for [`preview_findings`]: what it would change).
    pub sync: FindingsSync,
    /// Items reclassified because the catalog or the columns' categories changed.
    pub reclassified: usize,
    /// The (department, category) pairs published this year, as the evaluation saw the items:
    /// for the weekly report, which would otherwise read them all again.
    pub published_this_year: Published,
}

/// Brings stored classification up to date with the catalog, judges the stored facts and
/// records the findings' history. The one place findings are synced.
pub async fn refresh_findings(
    catalog: &Catalog,
    store: &Store,
    calendar: &Calendar,
    opts: &EvaluateOptions,
) -> Result<Evaluation, PipelineError> {
    let mut reclassified = 0;
    if let Some((fp, updates)) = reclassification(catalog, store).await? {
        reclassified = updates.len();
        store.replace_categories(&updates, &fp).await?;
        tracing::info!(items = reclassified, "reclassified stored items");
    }
    let t = std::time::Instant::now();
    let mut evaluator = Evaluator::new(catalog, calendar, opts);
    let mut published_this_year = Published::default();
    store
        .facts_by_department(recent_crawls(opts), |part| {
            published_this_year.add_this_year(&part.items, opts.today);
            evaluator.judge(&part);
        })
        .await?;
    let findings = evaluator.finish();
    let judged = t.elapsed();
    let sync = store.sync_findings(&findings, opts.today).await?;
    tracing::debug!(
        evaluate_ms = judged.as_millis(),
        sync_ms = (t.elapsed() - judged).as_millis(),
        findings = findings.len(),
        "evaluated"
    );
    Ok(Evaluation {
        findings,
        sync,
        reclassified,
        published_this_year,
    })
}

/// Judges the stored facts as of `opts.today` without writing anything (a dry run: another
/// day than today, which stored would rewrite the findings' history): the items classified as
/// the catalog says now (in memory when the stored classification is out of date), and
/// [`Evaluation::sync`] counting what syncing would open, keep and resolve.
pub async fn preview_findings(
    catalog: &Catalog,
    store: &Store,
    calendar: &Calendar,
    opts: &EvaluateOptions,
) -> Result<Evaluation, PipelineError> {
    let updates = reclassification(catalog, store).await?;
    let reclassified = updates.as_ref().map_or(0, |(_, u)| u.len());
    let mut updates: Option<HashMap<i64, Vec<Match>>> =
        updates.map(|(_, u)| u.into_iter().collect());
    let mut evaluator = Evaluator::new(catalog, calendar, opts);
    let mut published_this_year = Published::default();
    store
        .facts_by_department(recent_crawls(opts), |mut part| {
            if let Some(updates) = &mut updates {
                classify_in_memory(&mut part, updates);
            }
            published_this_year.add_this_year(&part.items, opts.today);
            evaluator.judge(&part);
        })
        .await?;
    let findings = evaluator.finish();
    let open: HashSet<String> = store
        .findings(&FindingFilter::default(), opts.today)
        .await?
        .into_iter()
        .map(|f| f.finding.key)
        .collect();
    let current: HashSet<&str> = findings.iter().map(|f| f.key.as_str()).collect();
    let still_open = current.iter().filter(|k| open.contains(**k)).count();
    let sync = FindingsSync {
        opened: current.len() - still_open,
        still_open,
        resolved: open
            .iter()
            .filter(|k| !current.contains(k.as_str()))
            .count(),
    };
    Ok(Evaluation {
        findings,
        sync,
        reclassified,
        published_this_year,
    })
}

/// The stored items' categories as the catalog and the columns' declared categories give them
/// now, with their fingerprint; `None` when the stored classification is current.
async fn reclassification(
    catalog: &Catalog,
    store: &Store,
) -> Result<Option<(String, Vec<(i64, Vec<Match>)>)>, PipelineError> {
    let columns = store.column_categories().await?;
    let fp = fingerprint(catalog, columns.iter().map(ColumnCategories::prior));
    if store.meta("classification").await?.as_deref() == Some(fp.as_str()) {
        return Ok(None);
    }
    let priors: HashMap<&str, ColumnPrior<'_>> =
        columns.iter().map(|c| (c.id.as_str(), c.prior())).collect();
    let classifier = Classifier::new(catalog);
    let items = store.items_to_classify().await?;
    let updates: Vec<(i64, Vec<Match>)> = items
        .iter()
        .map(|i| {
            let prior = priors.get(i.column_id.as_str()).copied();
            (i.id, classifier.classify(&i.title, prior).matched)
        })
        .collect();
    Ok(Some((fp, updates)))
}

/// The crawls of a column evaluation reads: enough to tell `unreachable_after` failures in a
/// row from fewer.
fn recent_crawls(opts: &EvaluateOptions) -> usize {
    opts.unreachable_after.max(1) + 1
}

/// Gives the facts' items the categories of `updates` (by item id), taking them out.
fn classify_in_memory(facts: &mut Facts, updates: &mut HashMap<i64, Vec<Match>>) {
    let mut shared: HashMap<String, std::sync::Arc<str>> = HashMap::new();
    for item in &mut facts.items {
        let matched = updates.remove(&item.id).unwrap_or_default();
        item.categories = matched
            .into_iter()
            .map(|m| {
                shared
                    .entry(m.category)
                    .or_insert_with_key(|c| c.as_str().into())
                    .clone()
            })
            .collect();
    }
}
