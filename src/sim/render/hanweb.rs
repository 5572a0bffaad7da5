//! Hanweb (大汉) columns: the column page's XML data island, and the jpage data proxy serving
//! the records after it.

use std::fmt::Write as _;

use super::html::{esc, ymd};
use super::response::{SimPage, error_page, not_found};
use crate::sim::model::{HANWEB_PER_PAGE, HANWEB_PROXY_PATH, SimColumn, SimItem, SimSite};

impl SimSite {
    /// The Hanweb jpage data proxy: `params` are the query and form parameters together.
    pub fn dataproxy(&self, params: &[(String, String)]) -> SimPage {
        let get = |k: &str| {
            params
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.trim())
        };
        let Some(col) = get("columnid")
            .and_then(|v| v.parse::<u32>().ok())
            .and_then(|id| self.hanweb_by_id.get(&id))
            .and_then(|i| self.columns.get(*i))
        else {
            return not_found();
        };
        let parse = |k: &str, default: usize| match get(k) {
            None | Some("") => Some(default),
            Some(v) => v.parse::<usize>().ok(),
        };
        let (Some(start), Some(per_page)) = (parse("startrecord", 1), parse("perpage", 15)) else {
            return error_page(400, "Bad Request");
        };
        let Some(end) = parse(
            "endrecord",
            start
                .saturating_add(per_page.saturating_mul(3))
                .saturating_sub(1),
        ) else {
            return error_page(400, "Bad Request");
        };
        let total = col.items.len();
        let mut xml = format!(
            "<datastore><totalrecord>{total}</totalrecord><totalpage>{}</totalpage><recordset>",
            total.div_ceil(HANWEB_PER_PAGE)
        );
        let first = start.max(1) - 1;
        let last = end.min(total);
        if let Some(records) = col.items.get(first..last.max(first)) {
            for it in records {
                xml.push('\n');
                hanweb_record(&mut xml, it);
            }
        }
        xml.push_str("</recordset></datastore>\n");
        SimPage::plain(200, "text/xml; charset=utf-8", xml)
    }
}

/// One record of a data island or proxy answer.
fn hanweb_record(out: &mut String, it: &SimItem) {
    let _ = write!(
        out,
        "<record><![CDATA[<li><a href=\"{}\" target=\"_blank\" title=\"{}\">{}</a><b>{}</b></li>]]></record>",
        esc(&it.href),
        esc(&it.title),
        esc(&it.list_text),
        ymd(it.date)
    );
}

/// The column page's data island: the first records and the proxy parameters.
pub(super) fn hanweb_list(main: &mut String, col: &SimColumn) {
    let Some(ids) = col.hanweb else {
        return;
    };
    let colid = ids.column_id;
    let _ = write!(
        main,
        "<div id=\"{colid}\"><script type=\"text/xml\"><datastore><nextgroup><![CDATA[<a href=\"{HANWEB_PROXY_PATH}?page=1&{}\"></a>]]></nextgroup><recordset>",
        col.hanweb_query().unwrap_or_default()
    );
    for it in col.page_items(0) {
        main.push('\n');
        hanweb_record(main, it);
    }
    let _ = writeln!(
        main,
        "</recordset></datastore></script></div>\n<script>$('#{colid}').jpage({{proxyUrl:'{HANWEB_PROXY_PATH}', perPage:{HANWEB_PER_PAGE}, totalRecord:{}, groupSize:3}});</script>",
        col.items.len()
    );
}
