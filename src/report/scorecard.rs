//! One department's scorecard, shared by the weekly report and `gkwatch departments`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};

use super::model::Scorecard;
use crate::catalog::Catalog;
use crate::store::{Store, StoreError};
use crate::types::{Audience, Facts, FindingKind, FindingStatus, ItemFacts, StoredFinding};

fn year_start(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today)
}

/// The (department, category) pairs with an item published in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published(BTreeSet<(String, String)>);

impl Published {
    /// What was published from 1 January to `today`, read from the store.
    pub async fn this_year(store: &Store, today: NaiveDate) -> Result<Published, StoreError> {
        let start = year_start(today);
        Ok(Published(store.categories_published(start, today).await?))
    }

    /// Adds what `items` published from 1 January to `today`: the evaluation sees every
    /// item, so the report takes the year's categories from it rather than reading them
    /// again ([`Published::this_year`] gives the same from the store).
    pub fn add_this_year(&mut self, items: &[ItemFacts], today: NaiveDate) {
        let start = year_start(today);
        for item in items {
            if item.published.is_some_and(|d| start <= d && d <= today) {
                for category in &item.categories {
                    self.0
                        .insert((item.department.to_string(), category.to_string()));
                }
            }
        }
    }

    pub fn contains(&self, department: &str, category: &str) -> bool {
        self.0
            .contains(&(department.to_string(), category.to_string()))
    }
}

/// Every department's scorecard, in the order of `facts.departments`. `findings` may hold
/// resolved and waived ones: only open findings count.
pub fn scorecards(
    facts: &Facts,
    findings: &[StoredFinding],
    catalog: &Catalog,
    published: &Published,
) -> Vec<Scorecard> {
    facts
        .departments
        .iter()
        .map(|dept| {
            let cols: Vec<_> = facts
                .columns
                .iter()
                .filter(|c| c.department == dept.name && c.enabled && c.url.is_some())
                .collect();
            let open: Vec<&StoredFinding> = findings
                .iter()
                .filter(|f| f.finding.department == dept.name && f.status == FindingStatus::Open)
                .collect();
            let stale: BTreeSet<&str> = open
                .iter()
                .filter(|f| f.kind() == FindingKind::StaleColumn)
                .filter_map(|f| f.finding.column.as_deref())
                .collect();
            let mut open_findings = BTreeMap::new();
            for f in &open {
                *open_findings.entry(f.kind()).or_insert(0) += 1;
            }
            let read: Vec<_> = cols.iter().filter(|c| c.read_ok()).collect();
            let required: BTreeSet<&str> = catalog
                .tasks
                .iter()
                .filter(|t| t.led_by(&dept.name, &dept.aliases))
                .filter_map(|t| t.category.as_deref())
                .chain(
                    cols.iter()
                        .flat_map(|c| c.categories.iter().map(String::as_str)),
                )
                .collect();
            Scorecard {
                department: dept.name.clone(),
                columns: cols.len(),
                columns_read: read.len(),
                fresh: read
                    .iter()
                    .filter(|c| c.kind == "list" && !stale.contains(c.id.as_str()))
                    .count(),
                stale: stale.len(),
                open_findings,
                operator_open: open
                    .iter()
                    .filter(|f| f.finding.audience() == Audience::Operator)
                    .count(),
                required_categories: required.len(),
                required_present: required
                    .iter()
                    .filter(|c| published.contains(&dept.name, c))
                    .count(),
            }
        })
        .collect()
}
