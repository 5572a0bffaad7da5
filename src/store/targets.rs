//! The configured departments and columns, synced at each crawl: a column that leaves the
//! configuration keeps its row and items, marked `in_config = 0`.

use chrono::{DateTime, Utc};

use super::values::ts;
use super::{Store, StoreError};
use crate::config::{ColumnKind, Targets};

impl Store {
    /// Records the configured departments and columns; columns no longer configured keep
    /// their rows and items but are marked `in_config = 0`.
    pub async fn sync_config(
        &self,
        targets: &Targets,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = ts(now);
        let mut tx = self.begin_write().await?;
        for d in &targets.departments {
            sqlx::query(
                "INSERT INTO departments (name, aliases, site, expected_confirmed, not_expected)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT(name) DO UPDATE SET aliases = excluded.aliases, site = excluded.site,
                   expected_confirmed = excluded.expected_confirmed,
                   not_expected = excluded.not_expected",
            )
            .bind(&d.name)
            .bind(serde_json::to_string(&d.aliases).unwrap_or_else(|_| "[]".into()))
            .bind(d.site.as_ref().map(|u| u.to_string()))
            .bind(d.expected_confirmed)
            .bind(serde_json::to_string(&d.not_expected).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE columns SET in_config = 0")
            .execute(&mut *tx)
            .await?;
        for c in &targets.columns {
            sqlx::query(
                "INSERT INTO columns (id, department, name, url, profile, kind, categories, max_age_days, enabled, in_config, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                 ON CONFLICT(id) DO UPDATE SET department = excluded.department, name = excluded.name,
                   url = excluded.url, profile = excluded.profile, kind = excluded.kind,
                   categories = excluded.categories, max_age_days = excluded.max_age_days,
                   enabled = excluded.enabled, in_config = 1, updated_at = excluded.updated_at",
            )
            .bind(&c.id)
            .bind(&c.department)
            .bind(&c.name)
            .bind(c.url.as_ref().map(|u| u.to_string()))
            .bind(match &c.kind {
                ColumnKind::List(p) => Some(p.name.as_str()),
                ColumnKind::Auto => Some("auto"),
                ColumnKind::Page => None,
            })
            .bind(c.kind.as_str())
            .bind(serde_json::to_string(&c.categories).unwrap_or_else(|_| "[]".into()))
            .bind(i64::from(c.max_age_days))
            .bind(c.enabled)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
