//! Items and columns as staff list them: items by department, column and date, one item with
//! its categories, the columns' overview, and what the report counts of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::values::{ymd, ymd_date};
use super::{Store, StoreError};
use crate::types::Match;

/// Which items to list.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// Department name or alias.
    pub department: Option<String>,
    pub column: Option<String>,
    /// Published on or after this date.
    pub since: Option<NaiveDate>,
    pub limit: Option<u32>,
}

/// A stored item with its column and department.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub department: String,
    pub column_id: String,
    pub column_name: String,
    pub title: String,
    pub url: String,
    pub published: Option<String>,
    pub date_precision: Option<String>,
    pub date_source: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
}

/// One column as the store knows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ColumnOverview {
    pub department: String,
    pub column_id: String,
    pub column_name: String,
    pub url: Option<String>,
    pub enabled: bool,
    pub max_age_days: i64,
    pub items: i64,
    /// Newest day-precise publication date.
    pub newest: Option<String>,
    /// State of the column in the latest run that visited it.
    pub last_state: Option<String>,
    pub last_detail: Option<String>,
    pub last_crawled_at: Option<String>,
    /// List pages the latest crawl fetched, and those the list said it has.
    pub last_pages: Option<i64>,
    pub last_pages_expected: Option<i64>,
    /// The list page (1-based) a read in part broke off at.
    pub last_failed_page: Option<i64>,
}

impl Store {
    /// Items matching `filter`, newest first.
    pub async fn items(&self, filter: &ItemFilter) -> Result<Vec<ItemRow>, StoreError> {
        let sql = format!(
            "SELECT {ITEM_ROW}
             FROM items i JOIN columns c ON c.id = i.column_id
             JOIN departments d ON d.name = c.department
             WHERE (?1 IS NULL OR d.name = ?1 OR EXISTS (SELECT 1 FROM json_each(d.aliases) WHERE value = ?1))
               AND (?2 IS NULL OR i.column_id = ?2)
               AND (?3 IS NULL OR i.published >= ?3)
             ORDER BY i.published IS NULL, i.published DESC, c.department, i.column_id, i.id
             LIMIT COALESCE(?4, -1)"
        );
        let rows = sqlx::query_as::<_, ItemRow>(sqlx::AssertSqlSafe(sql))
            .bind(filter.department.as_deref())
            .bind(filter.column.as_deref())
            .bind(filter.since.map(ymd))
            .bind(filter.limit.map(i64::from))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }

    /// Every configured column with its item count, newest date and latest crawl state.
    pub async fn columns_overview(&self) -> Result<Vec<ColumnOverview>, StoreError> {
        let rows = sqlx::query_as::<_, ColumnOverview>(
            "SELECT c.department, c.id AS column_id, c.name AS column_name, c.url,
                    c.enabled != 0 AS enabled, c.max_age_days,
                    (SELECT COUNT(*) FROM items i WHERE i.column_id = c.id) AS items,
                    (SELECT MAX(published) FROM items i WHERE i.column_id = c.id
                       AND i.date_precision = 'day') AS newest,
                    cc.state AS last_state, cc.detail AS last_detail, cc.finished_at AS last_crawled_at,
                    cc.pages AS last_pages, cc.pages_expected AS last_pages_expected,
                    cc.failed_page AS last_failed_page
             FROM columns c
             LEFT JOIN column_crawls cc ON cc.column_id = c.id
               AND cc.run_id = (SELECT MAX(run_id) FROM column_crawls WHERE column_id = c.id)
             WHERE c.in_config = 1
             ORDER BY c.department, c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Number of stored items.
    pub async fn item_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM items")
            .fetch_one(&self.pool)
            .await?)
    }
    /// Per column, the newest publication date on or before `as_of` of its items that are not
    /// pinned (a month-precise date counts as the month's last day, as
    /// [`ItemFacts::published_latest`](crate::types::ItemFacts::published_latest)).
    pub async fn newest_published(
        &self,
        as_of: NaiveDate,
    ) -> Result<HashMap<String, NaiveDate>, StoreError> {
        // Two look-ups a column on its (column, published) index, each stopping at the first
        // row that qualifies: the newest day-precise item on or before `as_of`, and the newest
        // month-precise one of a month ended by then. Not a scan of every item.
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT c.id,
               (SELECT i.published FROM items i
                WHERE i.column_id = c.id AND i.published <= ?1
                  AND i.date_precision = 'day' AND i.pinned = 0
                ORDER BY i.published DESC LIMIT 1),
               (SELECT date(i.published, 'start of month', '+1 month', '-1 day') FROM items i
                WHERE i.column_id = c.id AND i.published < date(?1, '+1 day', 'start of month')
                  AND i.date_precision = 'month' AND i.pinned = 0
                ORDER BY i.published DESC LIMIT 1)
             FROM columns c",
        )
        .bind(ymd(as_of))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(c, day, month)| {
                let day = day.as_deref().and_then(ymd_date);
                let month = month.as_deref().and_then(ymd_date);
                Some((c, day.max(month)?))
            })
            .collect())
    }

    /// The (department, category) pairs with an item published between two dates (inclusive),
    /// in configured columns.
    pub async fn categories_published(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeSet<(String, String)>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            // Column by column (CROSS JOIN keeps that order), each column's items of the period
            // by its (column, published) index, then their categories: the period's items,
            // not every category row of every item.
            "SELECT DISTINCT c.department, ic.category
             FROM columns c
             CROSS JOIN items i ON i.column_id = c.id AND i.published BETWEEN ?1 AND ?2
             CROSS JOIN item_categories ic ON ic.item_id = i.id
             WHERE c.in_config = 1",
        )
        .bind(ymd(from))
        .bind(ymd(to))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// The departments' names, in order.
    pub async fn department_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT name FROM departments ORDER BY name")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Items published between two dates (inclusive), per department.
    pub async fn items_published(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            // A range of each column's (column, published) index, not a scan of every item.
            "SELECT c.department, SUM((SELECT COUNT(*) FROM items i
                 WHERE i.column_id = c.id AND i.published BETWEEN ?1 AND ?2
                   AND i.date_precision = 'day')) AS n
             FROM columns c WHERE c.in_config = 1
             GROUP BY c.department HAVING n > 0",
        )
        .bind(ymd(from))
        .bind(ymd(to))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(d, n)| (d, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

/// An item with its 成文日期 and categories, for `explain`.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ItemDetail {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub item: ItemRow,
    pub written: Option<String>,
    #[sqlx(skip)]
    pub categories: Vec<Match>,
}

/// The columns of an [`ItemRow`], from `items i JOIN columns c`.
const ITEM_ROW: &str = "i.id, c.department, i.column_id, c.name AS column_name, i.title, i.url, \
     i.published, i.date_precision, i.date_source, i.first_seen, i.last_seen";

impl Store {
    /// One item with its categories.
    pub async fn item(&self, id: i64) -> Result<Option<ItemDetail>, StoreError> {
        let sql = format!(
            "SELECT {ITEM_ROW}, i.written FROM items i JOIN columns c ON c.id = i.column_id \
             WHERE i.id = ?"
        );
        let Some(mut detail) = sqlx::query_as::<_, ItemDetail>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let cats: Vec<(String, String)> = sqlx::query_as(
            "SELECT category, pattern FROM item_categories WHERE item_id = ? ORDER BY rowid",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        detail.categories = cats
            .into_iter()
            .map(|(category, pattern)| Match { category, pattern })
            .collect();
        Ok(Some(detail))
    }
}
