//! The pages of the site: what a path serves, and the home, list and detail pages' content
//! inside the site chrome.

use std::fmt::Write as _;

use chrono::Datelike;

use super::chrome::{Frame, SITE_ID_CODE, SITE_NAME};
use super::hanweb::hanweb_list;
use super::html::{esc, ymd};
use super::response::{SimPage, error_page};
use super::table::table_list;
use super::trs::{trs_list, url_list};
use crate::sim::dates::{fallback_instant, item_instant};
use crate::sim::model::{Behaviour, Family, GbkMode, Route, SimColumn, SimItem, SimSite, Template};
use crate::sim::titles::TitleKind;
use crate::util::fnv1a;

const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /private/\n";

impl SimSite {
    /// The response for a GET of `path` (no query), or `None` for paths the site does not have.
    pub fn page(&self, path: &str) -> Option<SimPage> {
        if path == "/robots.txt" {
            return Some(SimPage::plain(200, "text/plain; charset=utf-8", ROBOTS_TXT));
        }
        if let Some(file) = self.pii_attachment(path) {
            return Some(SimPage::plain(200, file.content_type, file.bytes.clone()));
        }
        let route = match self.routes.get(path) {
            Some(r) => *r,
            None if path.ends_with('/') => ["index.html", "list.html"]
                .iter()
                .find_map(|f| self.routes.get(&format!("{path}{f}")).copied())?,
            None => return None,
        };
        let jilin = self.family == Family::Jilin;
        Some(match route {
            Route::Home if jilin => self.jilin_home(),
            Route::Home => self.home_page(),
            Route::List { column, page } => {
                let col = self.columns.get(column)?;
                if col.jilin.is_some() {
                    self.jilin_list(col, page)
                } else {
                    self.list_page(col, page)
                }
            }
            Route::Article { column, item } => {
                let col = self.columns.get(column)?;
                let it = col.items.get(item)?;
                if col.jilin.is_some() {
                    self.jilin_article(col, it)
                } else {
                    self.article_page(col, it)
                }
            }
            Route::DeptHome { dept } => self.jilin_dept_home(self.departments.get(dept)?),
            Route::Standing { page } => self.jilin_standing(self.standing.get(page)?),
            Route::Attachment { column, item, pdf } => {
                self.jilin_attachment(self.columns.get(column)?.items.get(item)?, pdf)
            }
        })
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
        if let Some(pii) = self.pii_page(&it.path) {
            main.push_str(&pii.html);
            main.push('\n');
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
