//! TRS WCM lists: the dated `ul.xxgk_list`, and the undated lists whose dates are only in the
//! article URLs or detail pages; both page with the `createPageHTML` script.

use std::fmt::Write as _;

use super::html::{esc, ymd};
use crate::sim::model::SimColumn;

/// A TRS list page: links with their dates in `span.date` (`em.date` once redesigned).
pub(super) fn trs_list(main: &mut String, col: &SimColumn, page: usize) {
    // A redesign renames every class and moves the date: the old profile matches nothing.
    let (open, date_tag) = if col.redesigned {
        ("<div class=\"news-box\"><ul class=\"news\">\n", "em")
    } else {
        (
            "<div class=\"list_base\"><ul class=\"xxgk_list\">\n",
            "span",
        )
    };
    main.push_str(open);
    for (i, it) in col.page_items(page).iter().enumerate() {
        let _ = writeln!(
            main,
            "<li><a href=\"{}\" target=\"_blank\" title=\"{}\">{}</a><{date_tag} class=\"date\">{}</{date_tag}></li>",
            esc(&it.href),
            esc(&it.title),
            esc(&it.list_text),
            ymd(it.date)
        );
        // The old item sits among real ones, where a parser that ignores comments would see it.
        if col.comment_trap && page == 0 && i == 2 {
            main.push_str(
                "<!-- <li><a href=\"./202001/t20200101_1.html\" title=\"旧栏目条目\">旧栏目条目</a><span class=\"date\">2020-01-01</span></li> -->\n",
            );
        }
    }
    main.push_str("</ul></div>\n");
    create_page_html(main, col, page);
}

/// A list without dates (the `UrlDate` and `DetailMeta` templates).
pub(super) fn url_list(main: &mut String, col: &SimColumn, page: usize) {
    main.push_str("<div class=\"list-box\"><ul class=\"list\">\n");
    for it in col.page_items(page) {
        let title = esc(&it.title);
        let _ = writeln!(
            main,
            "<li><a href=\"{}\" title=\"{title}\">{}</a></li>",
            esc(&it.href),
            esc(&it.list_text)
        );
    }
    main.push_str("</ul></div>\n");
    create_page_html(main, col, page);
}

/// The TRS pager: a script call with the page count and the 0-based page.
fn create_page_html(main: &mut String, col: &SimColumn, page: usize) {
    let _ = writeln!(
        main,
        "<div class=\"fy\"><script type=\"text/javascript\">createPageHTML({}, {page}, \"index\", \"html\");</script></div>",
        col.page_count()
    );
}
