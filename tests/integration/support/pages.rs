//! What test servers answer with: list pages as the shipped selector profiles read them, and
//! the bodies of misbehaving sites (a firewall's challenge, a gzip bomb, a cut gzip stream).

use std::io::{Read as _, Write as _};

/// One list entry: link (relative to the list page), title, date as shown ("" for none).
pub type Entry = (&'static str, &'static str, &'static str);

/// A TRS list page as the shipped `trs_list` profile reads it: `total` pages, this one
/// `current` (0-based), linked as index.html, index_1.html, … Entries as [`Entry`], or made
/// per request (`String`s).
pub fn trs_page<S: AsRef<str>>(entries: &[(S, S, S)], total: u32, current: u32) -> String {
    let items: String = entries
        .iter()
        .map(|(href, title, date)| {
            let (href, title, date) = (href.as_ref(), title.as_ref(), date.as_ref());
            let date = if date.is_empty() {
                String::new()
            } else {
                format!("<span class=\"date\">{date}</span>")
            };
            format!("<li><a href=\"{href}\" title=\"{title}\" target=\"_blank\">{title}</a>{date}</li>\n")
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><title>通知公告</title></head><body>\n\
         <div class=\"list_base\"><ul class=\"xxgk_list\">\n{items}</ul></div>\n\
         <div class=\"page\"><script>createPageHTML({total}, {current}, \"index\", \"html\");</script></div>\n\
         </body></html>\n"
    )
}

/// A `table_list` page: one row per entry, a 首页 link and a 下一页 link to `next`.
pub fn table_page(entries: &[Entry], next: &str) -> String {
    let rows: String = entries
        .iter()
        .map(|(href, title, date)| {
            format!("<tr><td><a href=\"{href}\">{title}</a></td><td>{date}</td></tr>\n")
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>政策文件</title></head><body>\n\
         <table class=\"gk-table\"><tr><th>标题</th><th>发布日期</th></tr>\n{rows}</table>\n\
         <div class=\"pager\"><a href=\"list.html\">首页</a> <a href=\"{next}\">下一页</a></div>\n\
         </body></html>\n"
    )
}

/// A long TRS list page (40 items), so that any cut leaves whole items before it.
pub fn long_trs_page() -> String {
    let entries: Vec<(String, String, String)> = (1..=40)
        .map(|i| {
            let day = 27 - (i % 20);
            (
                format!("./202611/t202611{day:02}_{i}.html"),
                format!(
                    "关于第{i}批政府信息主动公开事项（编号{}）的通知",
                    1000 + i * 37
                ),
                format!("2026-11-{day:02}"),
            )
        })
        .collect();
    let items: String = entries
        .iter()
        .map(|(href, title, date)| {
            format!(
                "<li><a href=\"{href}\" title=\"{title}\">{title}</a><span>{date}</span></li>\n"
            )
        })
        .collect();
    format!(
        "<html><head><title>通知公告</title></head><body><div class=\"list_base\"><ul class=\"xxgk_list\">\n{items}</ul></div>\
         <script>createPageHTML(1, 0, \"index\", \"html\");</script></body></html>"
    )
}

/// A firewall's challenge page (安全验证), which such sites answer with status 200.
pub const WAF_CHALLENGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head>\
     <body><div class=\"verify\"><p>您的访问需要进行安全验证，请拖动滑块完成验证后继续访问。</p>\
     <div id=\"slider\"></div></div><script>var _0x3f2a=['\\x63\\x6f'];setTimeout(function(){location.reload()},5000);</script>\
     </body></html>";

/// `bytes` gzipped.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// 8 MiB of list markup compressed to a few KiB (under 256 KiB, asserted).
pub fn gzip_bomb() -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"<html><body><div class=\"list_base\"><ul class=\"xxgk_list\">")
        .expect("gzip");
    let item = "<li><a href=\"./202611/t20261120_101.html\">关于开展安全检查的通知</a><span>2026-11-20</span></li>\n".repeat(1000);
    for _ in 0..(8 * 1024 * 1024 / item.len() + 1) {
        enc.write_all(item.as_bytes()).expect("gzip");
    }
    let bomb = enc.finish().expect("gzip");
    assert!(bomb.len() < 256 * 1024, "{}", bomb.len());
    bomb
}

/// [`long_trs_page`] gzipped and cut at 60 %. Asserted: what the cut body decodes to before
/// the stream breaks is whole items, which a reader ignoring the error would take for a
/// short list.
pub fn truncated_gzip() -> Vec<u8> {
    let gzip = gzip(long_trs_page().as_bytes());
    let cut = gzip[..gzip.len() * 6 / 10].to_vec();
    let mut prefix = Vec::new();
    let _ = flate2::read::GzDecoder::new(&cut[..]).read_to_end(&mut prefix);
    let prefix = String::from_utf8_lossy(&prefix);
    assert!(prefix.matches("</li>").count() >= 5, "{prefix}");
    assert!(!prefix.contains("</ul>"));
    cut
}
