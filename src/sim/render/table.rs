//! Table lists: `table.gk-table` with dates as `YYYY年MM月DD日` and a `div.page` pager.

use std::fmt::Write as _;

use super::html::esc;
use crate::sim::model::SimColumn;

/// File name of table list page `page` (0-based).
fn table_file(page: usize) -> String {
    if page == 0 {
        "list.html".to_owned()
    } else {
        format!("list_{}.html", page + 1)
    }
}

/// A table list page with its pager.
pub(super) fn table_list(main: &mut String, col: &SimColumn, page: usize) {
    main.push_str(
        "<div class=\"gk-list\">\n<table class=\"gk-table\"><tr><th>序号</th><th>标题</th><th>文号</th><th>发布日期</th></tr>\n",
    );
    let first = page.saturating_mul(col.per_page);
    for (i, it) in col.page_items(page).iter().enumerate() {
        let title = esc(&it.title);
        let _ = writeln!(
            main,
            "<tr><td>{}</td><td class=\"bt\"><a href=\"{}\" title=\"{title}\">{title}</a></td><td>{}</td><td class=\"rq\">{}</td></tr>",
            first + i + 1,
            esc(&it.href),
            esc(it.doc_no.as_deref().unwrap_or("—")),
            it.date.format("%Y年%m月%d日"),
        );
    }
    main.push_str("</table>\n");
    let last = col.page_count().saturating_sub(1);
    let prev = if page == 0 {
        "<span>上一页</span>".to_owned()
    } else {
        format!("<a href=\"{}\">上一页</a>", table_file(page - 1))
    };
    let next = if page >= last {
        "<span>下一页</span>".to_owned()
    } else {
        format!("<a href=\"{}\">下一页</a>", table_file(page + 1))
    };
    let _ = writeln!(
        main,
        "<div class=\"page\"><a href=\"list.html\">首页</a> {prev} {next} <a href=\"{}\">尾页</a> 共{}页</div>\n</div>",
        table_file(last),
        last + 1
    );
}
