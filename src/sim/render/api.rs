//! The gkmlpt-style JSON API over any column.

use super::response::{SimPage, not_found};
use crate::sim::dates::item_instant;
use crate::sim::model::SimSite;

/// Articles per page of the JSON API.
pub const API_PAGE: usize = 20;

/// Path prefix of the JSON API.
pub const API_PATH: &str = "/gkmlpt/api/all/";

impl SimSite {
    /// A gkmlpt-style JSON API over any column (`/gkmlpt/api/all/{column id}?page=N&sid=…`):
    /// `{"total": …, "articles": [{"title", "url", "display_publish_time"}]}`, 20 articles a
    /// page from page 1; a page past the end has no articles. Unknown columns answer 404.
    pub fn api(&self, column_id: &str, page: usize) -> SimPage {
        let Some(col) = self.columns.iter().find(|c| c.id == column_id) else {
            return not_found();
        };
        let articles: Vec<serde_json::Value> = col
            .items
            .iter()
            .skip(page.saturating_sub(1).saturating_mul(API_PAGE))
            .take(if page == 0 { 0 } else { API_PAGE })
            .map(|it| {
                serde_json::json!({
                    "id": it.doc_id,
                    "title": it.title,
                    "url": it.path,
                    "display_publish_time": item_instant(it).and_utc().timestamp(),
                })
            })
            .collect();
        let body = serde_json::json!({"total": col.items.len(), "articles": articles});
        SimPage::plain(200, "application/json; charset=utf-8", body.to_string())
    }
}
