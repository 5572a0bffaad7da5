//! Classification upkeep: the items and column priors to reclassify, and replacing categories
//! when the catalog or a column's declared categories changed.

use super::{Store, StoreError};
use crate::types::Match;

/// An item to (re)classify.
#[derive(Debug, Clone)]
pub struct ItemToClassify {
    pub id: i64,
    pub column_id: String,
    pub title: String,
}

/// A column's declared categories, for classification priors.
#[derive(Debug, Clone)]
pub struct ColumnCategories {
    pub id: String,
    pub categories: Vec<String>,
    pub department: String,
    pub name: String,
}

impl ColumnCategories {
    /// The column as a classification prior: its declared categories, name and department.
    pub fn prior(&self) -> crate::classify::ColumnPrior<'_> {
        crate::classify::ColumnPrior {
            id: &self.id,
            categories: &self.categories,
            department: Some(&self.department),
            name: Some(&self.name),
        }
    }
}

impl Store {
    /// Every item's id, column and title, for reclassification.
    pub async fn items_to_classify(&self) -> Result<Vec<ItemToClassify>, StoreError> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, column_id, title FROM items ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, column_id, title)| ItemToClassify {
                id,
                column_id,
                title,
            })
            .collect())
    }

    /// Every column's declared categories.
    pub async fn column_categories(&self) -> Result<Vec<ColumnCategories>, StoreError> {
        let rows: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT id, categories, department, name FROM columns ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, cats, department, name)| ColumnCategories {
                id,
                categories: serde_json::from_str(&cats).unwrap_or_default(),
                department,
                name,
            })
            .collect())
    }

    /// Replaces the categories of many items in one transaction and records the
    /// classification's fingerprint.
    pub async fn replace_categories(
        &self,
        items: &[(i64, Vec<Match>)],
        fingerprint: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (id, matches) in items {
            write_categories(&mut tx, *id, matches).await?;
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('classification', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(fingerprint)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Replaces an item's categories.
async fn write_categories(
    tx: &mut sqlx::SqliteConnection,
    item_id: i64,
    matches: &[Match],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM item_categories WHERE item_id = ?")
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
    for m in matches {
        sqlx::query("INSERT INTO item_categories (item_id, category, pattern) VALUES (?, ?, ?)")
            .bind(item_id)
            .bind(&m.category)
            .bind(&m.pattern)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
