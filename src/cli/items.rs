//! What is stored: items and columns.

use super::output::{print_json, table, write_csv};
use super::{Ctx, Exit, FormatArgs, ItemsArgs, TableJsonCsv, TableOrJson};
use crate::store::ItemFilter;

pub(super) async fn items(g: &Ctx, a: &ItemsArgs) -> anyhow::Result<Exit> {
    let store = g.open_existing_store().await?;
    let rows = store
        .items(&ItemFilter {
            department: a.department.clone(),
            column: a.column.clone(),
            since: a.since,
            limit: a.limit,
        })
        .await?;
    match a.format {
        TableJsonCsv::Json => print_json(&rows)?,
        TableJsonCsv::Csv => {
            let header = [
                "department",
                "column_id",
                "column",
                "published",
                "date_source",
                "title",
                "url",
                "first_seen",
            ];
            let data: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.department.clone(),
                        r.column_id.clone(),
                        r.column_name.clone(),
                        display_date(r.published.as_deref(), r.date_precision.as_deref()),
                        r.date_source.clone().unwrap_or_default(),
                        r.title.clone(),
                        r.url.clone(),
                        r.first_seen.clone(),
                    ]
                })
                .collect();
            write_csv(std::io::stdout().lock(), &header, &data)?;
        }
        TableJsonCsv::Table => {
            let mut t = table(&["published", "source", "department", "column", "title"]);
            for r in &rows {
                t.add_row(vec![
                    display_date(r.published.as_deref(), r.date_precision.as_deref()),
                    r.date_source.clone().unwrap_or_else(|| "-".into()),
                    r.department.clone(),
                    r.column_name.clone(),
                    r.title.clone(),
                ]);
            }
            println!("{t}");
            println!("{} items", rows.len());
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

fn display_date(published: Option<&str>, precision: Option<&str>) -> String {
    match (published, precision) {
        (Some(p), Some("month")) => p.get(..7).unwrap_or(p).to_string(),
        (Some(p), _) => p.to_string(),
        (None, _) => "-".into(),
    }
}

pub(super) async fn columns(g: &Ctx, a: &FormatArgs) -> anyhow::Result<Exit> {
    let store = g.open_existing_store().await?;
    let rows = store.columns_overview().await?;
    match a.format {
        TableOrJson::Json => print_json(&rows)?,
        TableOrJson::Table => {
            let mut t = table(&[
                "department",
                "column",
                "id",
                "items",
                "newest",
                "last state",
                "last crawled",
            ]);
            for r in &rows {
                let state = match (&r.last_state, r.enabled) {
                    (_, false) => "disabled".to_string(),
                    (Some(s), _) => s.clone(),
                    (None, true) => "never crawled".to_string(),
                };
                t.add_row(vec![
                    r.department.clone(),
                    r.column_name.clone(),
                    r.column_id.clone(),
                    r.items.to_string(),
                    r.newest.clone().unwrap_or_else(|| "-".into()),
                    state,
                    r.last_crawled_at.clone().unwrap_or_else(|| "-".into()),
                ]);
            }
            println!("{t}");
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}
