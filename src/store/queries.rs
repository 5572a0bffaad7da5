//! The read side: what the CLI lists and later stages evaluate.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Store, StoreError};

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
}

/// A crawl run.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub full: bool,
    pub columns: i64,
    pub pages: i64,
    pub new_items: i64,
    pub errors: i64,
}

impl Store {
    /// Items matching `filter`, newest first.
    pub async fn items(&self, filter: &ItemFilter) -> Result<Vec<ItemRow>, StoreError> {
        let rows = sqlx::query_as::<_, ItemRow>(
            "SELECT i.id, c.department, i.column_id, c.name AS column_name, i.title, i.url, i.published,
                    i.date_precision, i.date_source, i.first_seen, i.last_seen
             FROM items i JOIN columns c ON c.id = i.column_id
             JOIN departments d ON d.name = c.department
             WHERE (?1 IS NULL OR d.name = ?1 OR EXISTS (SELECT 1 FROM json_each(d.aliases) WHERE value = ?1))
               AND (?2 IS NULL OR i.column_id = ?2)
               AND (?3 IS NULL OR i.published >= ?3)
             ORDER BY i.published IS NULL, i.published DESC, c.department, i.column_id, i.id
             LIMIT COALESCE(?4, -1)",
        )
        .bind(filter.department.as_deref())
        .bind(filter.column.as_deref())
        .bind(filter.since.map(|d| d.format("%Y-%m-%d").to_string()))
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
                    cc.state AS last_state, cc.detail AS last_detail, cc.finished_at AS last_crawled_at
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

    /// The latest runs, newest first.
    pub async fn runs(&self, limit: u32) -> Result<Vec<RunRow>, StoreError> {
        let rows = sqlx::query_as::<_, RunRow>(
            "SELECT id, started_at, finished_at, status, full != 0 AS full, columns, pages, new_items, errors
             FROM crawl_runs ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
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
}
