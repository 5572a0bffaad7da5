//! Rendering: pure functions from the site model to response bodies. No I/O here, so the same
//! site renders to the same bytes in tests, the demo and benchmarks alike.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use super::model::{
    Behaviour, GbkMode, HANWEB_PER_PAGE, HANWEB_PROXY_PATH, Route, SimColumn, SimDepartment,
    SimItem, SimSite, SplitMix64, Template, days_before, fallback_instant, fnv1a, item_instant,
};
use super::titles::TitleKind;

/// A rendered response of the site, before HTTP conditionals are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPage {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Body bytes, already in the page's encoding.
    pub body: Vec<u8>,
    /// `Last-Modified` as naive UTC; `Some` exactly for pages that carry validators
    /// (`ETag` and `Last-Modified`) and answer conditional requests.
    pub last_modified: Option<NaiveDateTime>,
}

impl SimPage {
    /// Quoted ETag (a hash of the body), for pages with validators.
    pub fn etag(&self) -> Option<String> {
        self.last_modified
            .map(|_| format!("\"{:016x}\"", fnv1a(&self.body)))
    }

    /// `Last-Modified` in RFC 1123 format.
    pub fn last_modified_http(&self) -> Option<String> {
        self.last_modified
            .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
    }

    fn plain(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> SimPage {
        SimPage {
            status,
            content_type,
            body: body.into(),
            last_modified: None,
        }
    }
}

/// Articles per page of the JSON API.
pub const API_PAGE: usize = 20;

/// Path prefix of the JSON API.
pub const API_PATH: &str = "/gkmlpt/api/all/";

/// 404 page for paths the site does not have.
pub(crate) fn not_found() -> SimPage {
    SimPage::plain(
        404,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\
         <body><h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p></body></html>\n",
    )
}

/// Short HTML error page for other failures.
pub(crate) fn error_page(status: u16, reason: &str) -> SimPage {
    SimPage::plain(
        status,
        "text/html; charset=utf-8",
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{status} {reason}</title></head>\
             <body><h1>{status} {reason}</h1><p>服务器繁忙，请稍后再试。</p></body></html>\n"
        ),
    )
}

const SITE_NAME: &str = "洮北区人民政府";
const SITE_DOMAIN: &str = "www.taobei.gov.cn";
const SITE_ID_CODE: &str = "2208020001";
const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /private/\n";

/// Escapes text for HTML content and double-quoted attributes.
pub(crate) fn esc(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn content_type(gbk: GbkMode) -> &'static str {
    match gbk {
        GbkMode::No => "text/html; charset=utf-8",
        GbkMode::HeaderOnly => "text/html; charset=GBK",
        GbkMode::MetaOnly | GbkMode::Undeclared => "text/html",
    }
}

/// Bytes `s` takes once encoded; exact because every character the site uses exists in GBK.
fn encoded_len(s: &str, gbk: GbkMode) -> usize {
    if gbk.is_gbk() {
        s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
    } else {
        s.len()
    }
}

fn encode(html: String, gbk: GbkMode) -> Vec<u8> {
    if gbk.is_gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode(&html);
        bytes.into_owned()
    } else {
        html.into_bytes()
    }
}

/// Everything a page has besides the site chrome.
struct Frame<'a> {
    gbk: GbkMode,
    title: String,
    meta: String,
    dept: Option<&'a SimDepartment>,
    column: Option<&'a SimColumn>,
    crumbs: String,
    main: String,
    /// Seeds the page's padding, so each page has its own stable size.
    pad_seed: u64,
}

/// Boilerplate that brings pages to realistic sizes: CSS in the head, link blocks and
/// statements above the footer, widget scripts at the end.
#[derive(Default)]
struct Padding {
    css: String,
    links: String,
    js: String,
}

const LINK_GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "国务院部门网站",
        &[
            ("外交部", "http://www.mfa.gov.cn/"),
            ("国家发展和改革委员会", "http://www.ndrc.gov.cn/"),
            ("教育部", "http://www.moe.gov.cn/"),
            ("科学技术部", "http://www.most.gov.cn/"),
            ("工业和信息化部", "http://www.miit.gov.cn/"),
            ("民政部", "http://www.mca.gov.cn/"),
            ("司法部", "http://www.moj.gov.cn/"),
            ("财政部", "http://www.mof.gov.cn/"),
        ],
    ),
    (
        "省政府网站",
        &[
            ("吉林省人民政府", "http://www.jl.gov.cn/"),
            ("辽宁省人民政府", "http://www.ln.gov.cn/"),
            ("黑龙江省人民政府", "http://www.hlj.gov.cn/"),
            ("内蒙古自治区人民政府", "http://www.nmg.gov.cn/"),
        ],
    ),
    (
        "市（州）政府网站",
        &[
            ("长春市人民政府", "http://www.changchun.gov.cn/"),
            ("吉林市人民政府", "http://www.jlcity.gov.cn/"),
            ("四平市人民政府", "http://www.siping.gov.cn/"),
            ("白城市人民政府", "http://www.jlbc.gov.cn/"),
            ("松原市人民政府", "http://www.jlsy.gov.cn/"),
            ("延边州人民政府", "http://www.yanbian.gov.cn/"),
        ],
    ),
    (
        "县（市、区）政府网站",
        &[
            ("洮南市人民政府", "http://www.taonan.gov.cn/"),
            ("大安市人民政府", "http://www.da.gov.cn/"),
            ("镇赉县人民政府", "http://www.zhenlai.gov.cn/"),
            ("通榆县人民政府", "http://www.tongyu.gov.cn/"),
        ],
    ),
    (
        "便民服务",
        &[
            ("吉林省政务服务网", "http://zwfw.jl.gov.cn/"),
            ("国家政务服务平台", "http://gjzwfw.www.gov.cn/"),
            ("12345政务服务便民热线", "http://12345.jlbc.gov.cn/"),
            ("中国政府采购网", "http://www.ccgp.gov.cn/"),
        ],
    ),
];

const STATEMENTS: &[&str] = &[
    "本网站所载内容由洮北区人民政府办公室负责维护，未经授权不得转载、摘编或利用其它方式使用本网站内容。转载请注明来源：洮北区人民政府网站。",
    "政府信息公开工作机构：洮北区人民政府办公室；办公地址：洮北区海明路11号；邮政编码：137000；联系电话：0436-3222212；工作时间：周一至周五上午8:30—11:30，下午13:30—17:00（法定节假日除外）。",
    "依申请公开：公民、法人或者其他组织可以根据自身生产、生活、科研等特殊需要，向本机关申请获取相关政府信息。申请人可通过当面、信函、网络等方式提出申请。",
    "适老化及无障碍服务：本网站已完成适老化和无障碍改造，提供页面放大、语音朗读、高对比度等辅助功能，欢迎社会各界提出意见建议。",
    "隐私声明：本网站尊重并保护所有使用本网站服务用户的个人隐私权。未经用户许可，本网站不会将用户信息对外公开或向第三方提供。",
];

impl Padding {
    /// Adds chunks until they take at least `needed` encoded bytes. Chunks stay under 1 KiB, so
    /// the page lands within 1 KiB above its target.
    fn fill(needed: usize, gbk: GbkMode, rng: &mut SplitMix64) -> Padding {
        let mut p = Padding::default();
        let mut have = 0;
        let mut n: u64 = 0;
        while have < needed {
            n += 1;
            let mut chunk = String::new();
            let kind = rng.below(4);
            match kind {
                0 => {
                    let c = ["#b5141b", "#1b5fa8", "#c40000", "#0b6fb6"][rng.below(4) as usize];
                    let _ = write!(
                        chunk,
                        ".mod-{n}{{margin-top:10px;border:1px solid #e5e5e5;background:#fff;}}\n\
                         .mod-{n} .mod-hd{{height:38px;line-height:38px;padding:0 15px;border-bottom:2px solid {c};font-size:16px;font-weight:bold;color:{c};}}\n\
                         .mod-{n} .mod-bd{{padding:10px 15px;}}\n\
                         .mod-{n} .mod-bd li{{height:32px;line-height:32px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;background:url(/images/dot.png) no-repeat 0 center;padding-left:12px;}}\n\
                         .mod-{n} .mod-bd li em{{float:right;color:#999;font-style:normal;}}\n"
                    );
                    have += encoded_len(&chunk, gbk);
                    p.css.push_str(&chunk);
                }
                1 => {
                    let (group, links) = LINK_GROUPS[rng.below(LINK_GROUPS.len() as u64) as usize];
                    let _ = write!(chunk, "<dl class=\"yqlj yqlj-{n}\"><dt>{group}</dt>");
                    for (name, href) in links {
                        let _ = write!(
                            chunk,
                            "<dd><a href=\"{href}\" target=\"_blank\">{name}</a></dd>"
                        );
                    }
                    chunk.push_str("</dl>\n");
                    have += encoded_len(&chunk, gbk);
                    p.links.push_str(&chunk);
                }
                2 => {
                    let _ = writeln!(
                        chunk,
                        "function _gk_widget_{n}(el){{var box=document.getElementById(el);if(!box){{return;}}\
                         var items=box.getElementsByTagName(\"li\");for(var i=0;i<items.length;i++){{\
                         items[i].onmouseover=function(){{this.className+=\" hover\";}};\
                         items[i].onmouseout=function(){{this.className=this.className.replace(\" hover\",\"\");}};}}}}"
                    );
                    have += encoded_len(&chunk, gbk);
                    p.js.push_str(&chunk);
                }
                _ => {
                    let s = STATEMENTS[rng.below(STATEMENTS.len() as u64) as usize];
                    let _ = writeln!(chunk, "<p class=\"statement statement-{n}\">{s}</p>");
                    have += encoded_len(&chunk, gbk);
                    p.links.push_str(&chunk);
                }
            }
        }
        p
    }
}

const NEWS: &[&str] = &[
    "洮北区召开经济工作会议",
    "区委理论学习中心组开展专题学习",
    "洮北区启动春季植树造林活动",
    "区领导带队检查安全生产工作",
    "洮北区举办重点项目集中开工仪式",
    "洮北区召开优化营商环境推进会",
    "区政府召开常务会议研究部署近期重点工作",
    "洮北区开展“我为群众办实事”实践活动",
];

impl SimSite {
    /// The response for a GET of `path` (no query), or `None` for paths the site does not have.
    pub fn page(&self, path: &str) -> Option<SimPage> {
        if path == "/robots.txt" {
            return Some(SimPage::plain(200, "text/plain; charset=utf-8", ROBOTS_TXT));
        }
        let route = match self.routes.get(path) {
            Some(r) => *r,
            None if path.ends_with('/') => ["index.html", "list.html"]
                .iter()
                .find_map(|f| self.routes.get(&format!("{path}{f}")).copied())?,
            None => return None,
        };
        Some(match route {
            Route::Home => self.home_page(),
            Route::List { column, page } => self.list_page(self.columns.get(column)?, page),
            Route::Article { column, item } => {
                let col = self.columns.get(column)?;
                self.article_page(col, col.items.get(item)?)
            }
        })
    }

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

    fn render(&self, f: Frame<'_>, status: u16, last_modified: NaiveDateTime) -> SimPage {
        // Rendered twice: once bare to measure, once with just enough padding.
        let bare = self.frame_html(&f, &Padding::default());
        let mut rng = SplitMix64::new(f.pad_seed ^ self.seed);
        let target = 22 * 1024 + rng.below(28 * 1024) as usize;
        let needed = target.saturating_sub(encoded_len(&bare, f.gbk));
        let html = if needed == 0 {
            bare
        } else {
            self.frame_html(&f, &Padding::fill(needed, f.gbk, &mut rng))
        };
        SimPage {
            status,
            content_type: content_type(f.gbk),
            body: encode(html, f.gbk),
            last_modified: Some(last_modified),
        }
    }

    fn frame_html(&self, f: &Frame<'_>, pad: &Padding) -> String {
        let mut h = String::with_capacity(64 * 1024);
        h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n");
        match f.gbk {
            GbkMode::No => h.push_str("<meta charset=\"utf-8\">\n"),
            GbkMode::MetaOnly => h.push_str(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\n",
            ),
            GbkMode::HeaderOnly | GbkMode::Undeclared => {}
        }
        let _ = write!(
            h,
            "<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n\
             <title>{}</title>\n\
             <meta name=\"SiteName\" content=\"{SITE_NAME}\">\n\
             <meta name=\"SiteDomain\" content=\"{SITE_DOMAIN}\">\n\
             <meta name=\"SiteIDCode\" content=\"{SITE_ID_CODE}\">\n\
             {}\
             <link rel=\"stylesheet\" type=\"text/css\" href=\"/images/common.css\">\n\
             <style type=\"text/css\">\n{}</style>\n\
             </head>\n<body>\n",
            esc(&f.title),
            f.meta,
            pad.css,
        );
        h.push_str(
            "<div class=\"top-bar\"><div class=\"wrap\"><span>欢迎访问洮北区人民政府网站</span>\
             <a href=\"javascript:void(0)\" id=\"jt\">简体</a> <a href=\"/wza/\">无障碍浏览</a></div></div>\n\
             <div class=\"header\"><div class=\"wrap\"><div class=\"logo\"><a href=\"/\">\
             <img src=\"/images/logo.png\" alt=\"洮北区人民政府\"></a></div>\
             <div class=\"search\"><form action=\"/search/\" method=\"get\"><input type=\"text\" name=\"q\" \
             placeholder=\"请输入关键字\"><button type=\"submit\">搜索</button></form></div></div>\n\
             <ul class=\"nav\"><li><a href=\"/\">首页</a></li><li><a href=\"/zwgk/\">政务公开</a></li>\
             <li><a href=\"/zwfw/\">政务服务</a></li><li><a href=\"/hdjl/\">互动交流</a></li>\
             <li><a href=\"/zjtb/\">走进洮北</a></li><li><a href=\"/ztzl/\">专题专栏</a></li></ul></div>\n",
        );
        let _ = writeln!(
            h,
            "<div class=\"position wrap\">当前位置：<a href=\"/\">首页</a>{}</div>",
            f.crumbs
        );
        h.push_str("<div class=\"main wrap\">\n<div class=\"left\">\n");
        if let Some(dept) = f.dept {
            let _ = write!(
                h,
                "<div class=\"side-menu\"><h3>{}信息公开</h3><ul class=\"side-column\">",
                esc(&dept.name)
            );
            for col in self.columns.iter().filter(|c| c.prefix == dept.prefix) {
                let on = if f.column.is_some_and(|c| c.id == col.id) {
                    " class=\"on\""
                } else {
                    ""
                };
                let _ = write!(
                    h,
                    "<li{on}><a href=\"{}\">{}</a></li>",
                    esc(&col.path),
                    esc(&col.name)
                );
            }
            h.push_str("</ul></div>\n");
        }
        h.push_str("<div class=\"side-box\"><h4>要闻动态</h4><ul class=\"side-news\">");
        self.side_news(&mut h);
        h.push_str("</ul></div>\n</div>\n<div class=\"right\">\n");
        h.push_str(&f.main);
        h.push_str("</div>\n</div>\n");
        let _ = write!(
            h,
            "<div class=\"friend-links wrap\">\n{}</div>\n",
            pad.links
        );
        h.push_str(
            "<div class=\"footer\"><div class=\"wrap\">\n\
             <p>主办单位：洮北区人民政府办公室\u{3000}承办单位：洮北区政务服务和数字化建设管理局</p>\n\
             <p>网站标识码：2208020001\u{3000}<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">吉ICP备05001234号-1</a>\
             \u{3000}<a href=\"http://www.beian.gov.cn/\" target=\"_blank\">吉公网安备 22080202000123号</a></p>\n\
             <p>地址：吉林省白城市洮北区海明路11号\u{3000}联系电话：0436-3222212</p>\n\
             <p><a href=\"/wzdt/\">网站地图</a> | <a href=\"/lxwm/\">联系我们</a> | <a href=\"/wzsm/\">网站声明</a></p>\n\
             </div></div>\n",
        );
        let _ = write!(
            h,
            "<script type=\"text/javascript\">\n{}</script>\n</body>\n</html>\n",
            pad.js
        );
        h
    }

    /// The sidebar news every page shows: list-like noise next to the real list.
    fn side_news(&self, h: &mut String) {
        let mut rng = SplitMix64::new(self.seed ^ 0x5eed_0e75);
        let start = rng.below(NEWS.len() as u64) as usize;
        let mut age = 0;
        for i in 0..5 {
            age += rng.range(2, 9);
            let d = days_before(self.today, age);
            let title = NEWS[(start + i) % NEWS.len()];
            let _ = write!(
                h,
                "<li><a href=\"/xwzx/{}/t{}_{}.html\">{title}</a><span>{}</span></li>",
                d.format("%Y%m"),
                d.format("%Y%m%d"),
                900_000 + i,
                ymd(d)
            );
        }
    }

    fn column_meta(col: &SimColumn) -> String {
        format!(
            "<meta name=\"ColumnName\" content=\"{n}\">\n\
             <meta name=\"ColumnDescription\" content=\"{d}{n}信息公开\">\n\
             <meta name=\"ColumnKeywords\" content=\"{n},{d},政府信息公开\">\n\
             <meta name=\"ColumnType\" content=\"{n}\">\n",
            n = esc(&col.name),
            d = esc(&col.department),
        )
    }

    fn column_crumbs(col: &SimColumn) -> String {
        format!(
            " &gt; <a href=\"{p}\">{d}</a> &gt; <a href=\"{p}zfxxgk/\">政府信息公开</a> &gt; <a href=\"{c}\">{n}</a>",
            p = esc(&col.prefix),
            d = esc(&col.department),
            c = esc(&col.path),
            n = esc(&col.name),
        )
    }

    fn home_page(&self) -> SimPage {
        let mut main = String::from(
            "<div class=\"column-title\"><h2>政府信息公开</h2></div>\n<div class=\"dept-index\">\n",
        );
        for dept in &self.departments {
            let _ = write!(
                main,
                "<h3>{}</h3><ul class=\"dept-columns\">",
                esc(&dept.name)
            );
            for col in self.columns.iter().filter(|c| c.prefix == dept.prefix) {
                let _ = write!(
                    main,
                    "<li><a href=\"{}\">{}</a></li>",
                    esc(&col.path),
                    esc(&col.name)
                );
            }
            main.push_str("</ul>\n");
        }
        main.push_str("</div>\n");
        let frame = Frame {
            gbk: GbkMode::No,
            title: SITE_NAME.to_owned(),
            meta: "<meta name=\"ColumnName\" content=\"首页\">\n<meta name=\"ColumnType\" content=\"首页\">\n"
                .to_owned(),
            dept: None,
            column: None,
            crumbs: String::new(),
            main,
            pad_seed: fnv1a(b"/"),
        };
        self.render(frame, 200, self.newest_instant())
    }

    fn list_page(&self, col: &SimColumn, page: usize) -> SimPage {
        if col.behaviour == Behaviour::ServerError {
            return error_page(500, "Internal Server Error");
        }
        let path = col.page_path(page);
        let mut main = format!(
            "<div class=\"column-title\"><h2>{}</h2></div>\n",
            esc(&col.name)
        );
        if col.behaviour == Behaviour::Blank || col.items.is_empty() {
            main.push_str(
                "<div class=\"list_base\"><ul class=\"xxgk_list\"></ul><p class=\"no-data\">暂无信息</p></div>\n",
            );
        } else {
            match col.template {
                Template::Trs => trs_list(&mut main, col, page),
                Template::Table => table_list(&mut main, col, page),
                Template::Hanweb => hanweb_list(&mut main, col),
                Template::UrlDate | Template::DetailMeta => url_list(&mut main, col, page),
            }
        }
        let dept = self.departments.iter().find(|d| d.prefix == col.prefix);
        let title = if page == 0 {
            format!("{}_{}_{SITE_NAME}", col.name, col.department)
        } else {
            format!(
                "{}（第{}页）_{}_{SITE_NAME}",
                col.name,
                page + 1,
                col.department
            )
        };
        let frame = Frame {
            gbk: col.gbk,
            title,
            meta: Self::column_meta(col),
            dept,
            column: Some(col),
            crumbs: Self::column_crumbs(col),
            main,
            pad_seed: fnv1a(path.as_bytes()),
        };
        let lm = col
            .items
            .first()
            .map(item_instant)
            .unwrap_or_else(|| fallback_instant(self.today));
        self.render(frame, 200, lm)
    }

    fn article_page(&self, col: &SimColumn, it: &SimItem) -> SimPage {
        let pubdate = format!("{} {}", ymd(it.date), it.time.format("%H:%M"));
        let title = esc(&it.title);
        let dept = esc(&col.department);
        let mut meta = format!(
            "<meta name=\"ArticleTitle\" content=\"{title}\">\
             <meta name=\"PubDate\" content=\"{pubdate}\">\
             <meta name=\"ColumnName\" content=\"{n}\">\
             <meta name=\"ContentSource\" content=\"{dept}\">\n\
             <meta name=\"ColumnType\" content=\"{n}\">\n\
             <meta name=\"Keywords\" content=\"{n},{dept}\">\n\
             <meta name=\"Author\" content=\"{dept}\">\n\
             <meta name=\"Description\" content=\"{title}\">\n",
            n = esc(&col.name),
        );
        if let Some(no) = &it.doc_no {
            let _ = writeln!(meta, "<meta name=\"DocNumber\" content=\"{}\">", esc(no));
        }
        let mut main = String::with_capacity(4096);
        let _ = write!(
            main,
            "<div class=\"article\">\n<h1 class=\"article-title\">{title}</h1>\n\
             <div class=\"article-info\"><span class=\"pubtime\">发布时间：{pubdate}</span>\
             <span class=\"source\">来源：{dept}</span><span class=\"views\">浏览次数：\
             <script type=\"text/javascript\">document.write(_getViews({}));</script></span></div>\n",
            it.doc_id
        );
        if let Some(no) = &it.doc_no {
            let _ = writeln!(
                main,
                "<table class=\"xxgk-info\"><tr><th>索引号</th><td>{code}/{y}-{id:05}</td><th>发文机关</th><td>{dept}</td></tr>\
                 <tr><th>文号</th><td>{no}</td><th>成文日期</th><td>{date}</td></tr></table>",
                code = SITE_ID_CODE,
                y = it.date.year(),
                id = it.doc_id,
                no = esc(no),
                date = it.date.format("%Y年%m月%d日"),
            );
        }
        main.push_str("<div class=\"article-content\">\n");
        for p in body_paragraphs(col, it) {
            let _ = writeln!(main, "<p>{}</p>", esc(&p));
        }
        main.push_str(
            "</div>\n<div class=\"article-foot\"><a href=\"javascript:window.print()\">【打印本页】</a>\
             <a href=\"javascript:window.close()\">【关闭窗口】</a></div>\n</div>\n",
        );
        let frame = Frame {
            gbk: col.gbk,
            title: format!("{}_{}_{}", it.title, col.name, col.department),
            meta,
            dept: self.departments.iter().find(|d| d.prefix == col.prefix),
            column: Some(col),
            crumbs: format!("{} &gt; <span>正文</span>", Self::column_crumbs(col)),
            main,
            pad_seed: fnv1a(it.path.as_bytes()),
        };
        self.render(frame, 200, item_instant(it))
    }
}

fn trs_list(main: &mut String, col: &SimColumn, page: usize) {
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
    let _ = writeln!(
        main,
        "<div class=\"fy\"><script type=\"text/javascript\">createPageHTML({}, {page}, \"index\", \"html\");</script></div>",
        col.page_count()
    );
}

fn table_file(page: usize) -> String {
    if page == 0 {
        "list.html".to_owned()
    } else {
        format!("list_{}.html", page + 1)
    }
}

fn table_list(main: &mut String, col: &SimColumn, page: usize) {
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

fn hanweb_list(main: &mut String, col: &SimColumn) {
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

fn url_list(main: &mut String, col: &SimColumn, page: usize) {
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
    let _ = writeln!(
        main,
        "<div class=\"fy\"><script type=\"text/javascript\">createPageHTML({}, {page}, \"index\", \"html\");</script></div>",
        col.page_count()
    );
}

/// A few sentences of body text that fit the column.
fn body_paragraphs(col: &SimColumn, it: &SimItem) -> Vec<String> {
    let dept = &col.department;
    let t = &it.title;
    let date = it.date.format("%Y年%-m月%-d日");
    let first = match col.kind {
        TitleKind::Procurement => format!(
            "{dept}受采购人委托，就{t}相关事项公告如下。各供应商如对本公告内容有异议，可在公告期限届满之日起七个工作日内以书面形式提出质疑。"
        ),
        TitleKind::Penalty => format!(
            "{dept}依据《中华人民共和国行政处罚法》等法律法规，经调查核实，对当事人作出如下行政处罚决定，现予公开：{t}。"
        ),
        TitleKind::PolicyInterp => format!(
            "为便于社会公众准确理解相关政策内容，现就{t}涉及的出台背景、主要内容和适用范围解读如下。"
        ),
        TitleKind::Budget => format!(
            "根据《中华人民共和国预算法》和政府信息公开有关规定，现将{t}有关情况予以公开，接受社会监督。"
        ),
        TitleKind::SocialAssistance | TitleKind::ElderlyCare => format!(
            "按照有关政策规定，经乡镇（街道）审核、{dept}审批，现将{t}有关情况予以公示，公示期为七个工作日。"
        ),
        _ => format!(
            "根据《中华人民共和国政府信息公开条例》有关规定，{dept}现将{t}有关事项公开如下。"
        ),
    };
    vec![
        first,
        "各有关单位要高度重视，明确责任分工，细化工作措施，确保各项任务落到实处。工作中遇到的问题请及时向主管部门反映。"
            .to_owned(),
        "如有疑问，请于工作日内拨打联系电话0436-3222212咨询。特此公告。".to_owned(),
        format!("{dept}\u{3000}{date}"),
    ]
}
