//! What is stored: items and columns.

use super::output::{Lang, print_json, table, write_sheet};
use super::{Ctx, Exit, FormatArgs, ItemsArgs, ListFormat, TableOrJson};
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
    let lang = g.lang;
    let source = |r: &crate::store::ItemRow| -> String {
        let s = r.date_source.as_deref().unwrap_or("");
        match lang {
            Lang::En => s.to_string(),
            Lang::Zh => match s {
                "list" => "列表",
                "url" => "网址",
                "detail_meta" => "详情页元数据",
                "detail_text" => "详情页正文",
                other => other,
            }
            .to_string(),
        }
    };
    match a.format {
        ListFormat::Json => print_json(&rows)?,
        ListFormat::Csv | ListFormat::Xlsx => {
            let header = lang.headings(&[
                ("部门", "department"),
                ("栏目编号", "column_id"),
                ("栏目", "column"),
                ("发布日期", "published"),
                ("日期来源", "date_source"),
                ("标题", "title"),
                ("网址", "url"),
                ("首次采集", "first_seen"),
            ]);
            let data: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.department.clone(),
                        r.column_id.clone(),
                        r.column_name.clone(),
                        display_date(r.published.as_deref(), r.date_precision.as_deref()),
                        source(r),
                        r.title.clone(),
                        r.url.clone(),
                        r.first_seen.clone(),
                    ]
                })
                .collect();
            let sheet = lang.pick("信息条目", "items");
            write_sheet(a.format, a.output.as_deref(), sheet, &header, &data)?;
        }
        ListFormat::Table => {
            let mut t = table(&lang.headings(&[
                ("发布日期", "published"),
                ("日期来源", "source"),
                ("部门", "department"),
                ("栏目", "column"),
                ("标题", "title"),
            ]));
            for r in &rows {
                t.add_row(vec![
                    display_date(r.published.as_deref(), r.date_precision.as_deref()),
                    Some(source(r))
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| "-".into()),
                    r.department.clone(),
                    r.column_name.clone(),
                    r.title.clone(),
                ]);
            }
            println!("{t}");
            println!(
                "{}",
                match lang {
                    Lang::Zh => format!("共 {} 条", rows.len()),
                    Lang::En => format!("{} items", rows.len()),
                }
            );
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
            let lang = g.lang;
            let mut t = table(&lang.headings(&[
                ("部门", "department"),
                ("栏目", "column"),
                ("编号", "id"),
                ("条目数", "items"),
                ("最新日期", "newest"),
                ("最近状态", "last state"),
                ("最近采集", "last crawled"),
            ]));
            for r in &rows {
                let state = match (&r.last_state, r.enabled) {
                    (_, false) => lang.pick("已停用", "disabled").to_string(),
                    // Read in part: how far, so that the table says what is missing.
                    (Some(s), _) if r.last_failed_page.is_some() => {
                        let failed = r.last_failed_page.unwrap_or_default();
                        let of = r
                            .last_pages_expected
                            .map(|n| format!("/{n}"))
                            .unwrap_or_default();
                        let read = failed - 1;
                        match lang {
                            super::output::Lang::Zh => format!(
                                "{}：读到 {read}{of} 页，第 {failed} 页失败",
                                state_label(lang, s)
                            ),
                            super::output::Lang::En => {
                                format!("{s}: {read}{of} pages, page {failed} failed")
                            }
                        }
                    }
                    (Some(s), _) => state_label(lang, s),
                    (None, true) => lang.pick("尚未采集", "never crawled").to_string(),
                };
                t.add_row(vec![
                    r.department.clone(),
                    r.column_name.clone(),
                    r.column_id.clone(),
                    r.items.to_string(),
                    r.newest.clone().unwrap_or_else(|| "-".into()),
                    state,
                    r.last_crawled_at
                        .as_deref()
                        .map_or_else(|| "-".into(), |t| super::status::local(t, g)),
                ]);
            }
            println!("{t}");
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// A column's crawl state as staff read it (`ok`, `unreachable`, … in English).
fn state_label(lang: super::output::Lang, state: &str) -> String {
    let zh = crate::types::ColumnState::parse(state).map_or(state, |s| s.label());
    lang.pick(zh, state).to_string()
}
