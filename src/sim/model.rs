//! The site's data model: the types of departments, columns and items, the site they make up,
//! and what a column's model says about its list pages.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};

use super::titles::TitleKind;

/// How a column's list pages are marked up; each maps to one of the crawler's selector profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// TRS WCM list: `ul.xxgk_list`, dates in `span.date`, `createPageHTML` pager.
    Trs,
    /// Table list: `table.gk-table`, dates as `YYYY年MM月DD日`, `div.page` pager.
    Table,
    /// Hanweb (大汉) column: records in an XML data island, more through the jpage data proxy.
    Hanweb,
    /// List without dates: the date is only in the article URL (`tYYYYMMDD_`).
    UrlDate,
    /// List without dates whose URLs hold only the month: the date is in the detail page's meta.
    DetailMeta,
}

impl Template {
    /// The crawler's selector profile for this template.
    pub fn profile(self) -> &'static str {
        match self {
            Template::Trs => "trs_list",
            Template::Table => "table_list",
            Template::Hanweb => "hanweb_col",
            Template::UrlDate | Template::DetailMeta => "url_date_list",
        }
    }

    /// Where a correct crawler finds the items' dates: "list", "url" or "detail_meta".
    pub fn date_source(self) -> &'static str {
        match self {
            Template::Trs | Template::Table | Template::Hanweb => "list",
            Template::UrlDate => "url",
            Template::DetailMeta => "detail_meta",
        }
    }
}

/// How a column of the 吉林 platform ([`SimSite::jilin`]) lists its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JilinList {
    /// Static HTML rows (`tr.zly_xxmu_20170104ulbg2`, date in a `span`), `createPageHTML`
    /// pages `index.html`, `index_1.html` …; read by the `jilin_list` profile.
    Static,
    /// An HTML page with an empty `#content` table whose script fills it from the JSONP
    /// back-end at [`crate::sim::JILIN_JSONP_PATH`] (`?page=N&channelId=<id>&callback=cb`);
    /// the targets column points at the back-end, read by the `jilin_jsonp` profile.
    Jsonp {
        /// The back-end's `channelId` of the column.
        channel_id: u32,
    },
}

/// How a column's list pages answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Behaviour {
    /// Lists its items.
    Normal,
    /// 200 with the page chrome and "暂无信息" instead of a list.
    Blank,
    /// 500 for every list page.
    ServerError,
}

/// Whether and how a column's pages are GBK-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GbkMode {
    /// UTF-8, declared in the header and in `<meta charset="utf-8">`.
    No,
    /// GBK, declared only in the `Content-Type` header.
    HeaderOnly,
    /// GBK, declared only by `<meta http-equiv="Content-Type" ... charset=gb2312">`.
    MetaOnly,
    /// GBK, declared nowhere: the crawler has to detect it.
    Undeclared,
}

impl GbkMode {
    /// True when the column's pages are GBK bytes.
    pub fn is_gbk(self) -> bool {
        self != GbkMode::No
    }
}

/// A department of the district, with its own path prefix on the site.
#[derive(Debug, Clone)]
pub struct SimDepartment {
    /// Name as the disclosure office writes it, e.g. "区财政局".
    pub name: String,
    /// Other names the department goes by, e.g. "洮北区财政局".
    pub aliases: Vec<String>,
    /// Path prefix of the department's pages, with both slashes, e.g. "/czj/".
    pub prefix: String,
    /// Prefix of its document numbers (文号), e.g. "洮北财".
    pub(crate) abbr: String,
    /// 统一社会信用代码, the start of its 索引号 (吉林 platform only).
    pub credit_code: Option<String>,
}

impl SimDepartment {
    /// The name with the district in front, e.g. "洮北区财政局".
    pub fn full_name(&self) -> String {
        with_district(&self.name)
    }
}

/// A department name with the district in front: "区财政局" → "洮北区财政局", "平台镇人民政府"
/// → "洮北区平台镇人民政府".
pub(crate) fn with_district(name: &str) -> String {
    match name.strip_prefix('区') {
        Some(rest) => format!("{DISTRICT}{rest}"),
        None => format!("{DISTRICT}{name}"),
    }
}

/// Ids of a Hanweb column, used in its data island and by the data proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HanwebIds {
    /// `columnid`, also the id of the div holding the data island.
    pub column_id: u32,
    /// `unitid`.
    pub unit_id: u32,
}

/// One published item of a column.
#[derive(Debug, Clone)]
pub struct SimItem {
    /// Full title, unescaped; already whitespace-normalised.
    pub title: String,
    /// Link text on the list page, unescaped: may be truncated with "…" or padded with spaces.
    pub list_text: String,
    /// Publication date.
    pub date: NaiveDate,
    /// Publication time, shown on the detail page.
    pub time: NaiveTime,
    /// Document id, unique site-wide.
    pub doc_id: u64,
    /// Absolute path of the detail page.
    pub path: String,
    /// The link as written in the list page (relative for TRS columns).
    pub href: String,
    /// Document number (文号), shown in table lists and on the detail page.
    pub doc_no: Option<String>,
}

/// The demo district over time: as first crawled, after one department redesigned its site,
/// and after every department caught up. Tests swap the served state with
/// [`crate::sim::SimServer::replace_site`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    /// Two columns behind, one blank, one failing, one policy without its 解读.
    Initial,
    /// As `Initial`, but 区司法局's 行政处罚 list uses markup no shipped profile reads.
    Redesigned,
    /// Everything in order: the stale columns published, the blank one filled, the failing
    /// one answers, the policy has its 解读.
    Fixed,
}

/// A disclosure column of a department.
#[derive(Debug, Clone)]
pub struct SimColumn {
    /// Column id in the targets file, e.g. "czj-yjs".
    pub id: String,
    /// Department name, e.g. "区财政局".
    pub department: String,
    /// Column name, e.g. "财政预决算".
    pub name: String,
    /// Path of the first list page, e.g. "/czj/zfxxgk/yjs/index.html".
    pub path: String,
    /// List markup.
    pub template: Template,
    /// How the list pages answer.
    pub behaviour: Behaviour,
    /// Encoding of the column's pages.
    pub gbk: GbkMode,
    /// Path prefix of the department, e.g. "/czj/".
    pub prefix: String,
    /// Category ids for the targets file.
    pub categories: Vec<String>,
    /// How old the newest item may be before the column counts as behind (targets file).
    pub max_age_days: u32,
    /// Items per list page (15 for Hanweb, whose first page holds three of these pages).
    pub per_page: usize,
    /// Items, newest first. Empty for `Blank` and `ServerError` columns.
    pub items: Vec<SimItem>,
    /// Hanweb ids, for Hanweb columns only.
    pub hanweb: Option<HanwebIds>,
    /// Whether the first list page carries a commented-out old item that is not an item.
    pub comment_trap: bool,
    /// The department redesigned its list pages: new markup the shipped profiles do not know.
    pub redesigned: bool,
    /// The 吉林 platform's list form, for its columns only (`template` is then `Trs` for
    /// static lists and `UrlDate` for JSONP ones: the shape of their item URLs).
    pub jilin: Option<JilinList>,
    pub(crate) kind: TitleKind,
}

/// Records a Hanweb column page holds before the data proxy takes over (3 pages of 15).
pub const HANWEB_FIRST_RECORDS: usize = 45;
/// Records per Hanweb page.
pub const HANWEB_PER_PAGE: usize = 15;
/// Path of the Hanweb jpage data proxy.
pub const HANWEB_PROXY_PATH: &str = "/module/web/jpage/dataproxy.jsp";
/// Path of the 吉林 platform's JSONP list back-end (TRS govsearch).
pub const JILIN_JSONP_PATH: &str = "/govsearch/jsonp/zf_jd_list.jsp";
/// The district every site belongs to.
pub const DISTRICT: &str = "洮北区";

impl SimColumn {
    /// The crawler's selector profile for this column.
    pub fn profile(&self) -> &'static str {
        match self.jilin {
            Some(JilinList::Static) => "jilin_list",
            Some(JilinList::Jsonp { .. }) => "jilin_jsonp",
            None => self.template.profile(),
        }
    }

    /// Where a correct crawler finds the items' dates: "list", "url" or "detail_meta".
    pub fn date_source(&self) -> &'static str {
        match self.jilin {
            Some(_) => "list",
            None => self.template.date_source(),
        }
    }

    /// What a targets file's `url` of the column holds, path and query: the first list page,
    /// or for a JSONP column its back-end's first page (the HTML page staff see is
    /// [`SimColumn::path`], and its script names the same back-end URL).
    pub fn crawl_path(&self) -> String {
        match self.jilin {
            Some(JilinList::Jsonp { channel_id }) => {
                format!("{JILIN_JSONP_PATH}?page=1&channelId={channel_id}&callback=cb")
            }
            _ => self.path.clone(),
        }
    }

    /// The column's directory, e.g. "/czj/zfxxgk/yjs/".
    pub fn dir(&self) -> &str {
        match self.path.rfind('/') {
            Some(i) => &self.path[..=i],
            None => "/",
        }
    }

    /// Number of list pages served (Hanweb: the one column page; at least 1).
    pub fn page_count(&self) -> usize {
        if self.template == Template::Hanweb
            || matches!(self.jilin, Some(JilinList::Jsonp { .. }))
            || self.items.is_empty()
            || self.per_page == 0
        {
            1
        } else {
            self.items.len().div_ceil(self.per_page)
        }
    }

    /// Path of list page `page` (0-based).
    pub fn page_path(&self, page: usize) -> String {
        match (self.template, page) {
            (_, 0) | (Template::Hanweb, _) => self.path.clone(),
            (Template::Table, p) => format!("{}list_{}.html", self.dir(), p + 1),
            (_, p) => format!("{}index_{p}.html", self.dir()),
        }
    }

    /// Paths of every list page, first page first.
    pub fn page_paths(&self) -> Vec<String> {
        (0..self.page_count()).map(|p| self.page_path(p)).collect()
    }

    /// Items shown on list page `page` (for Hanweb: the records in the column page).
    pub fn page_items(&self, page: usize) -> &[SimItem] {
        let (start, len) = if self.template == Template::Hanweb {
            (0, HANWEB_FIRST_RECORDS)
        } else {
            (page.saturating_mul(self.per_page), self.per_page)
        };
        let end = start.saturating_add(len).min(self.items.len());
        self.items.get(start..end).unwrap_or(&[])
    }

    /// Date of the newest item, if any.
    pub fn newest(&self) -> Option<NaiveDate> {
        self.items.first().map(|i| i.date)
    }

    /// Proxy parameters of the `nextgroup` link and of the form the jpage script posts.
    pub fn hanweb_query(&self) -> Option<String> {
        let ids = self.hanweb?;
        let webname: String =
            url::form_urlencoded::byte_serialize(self.department.as_bytes()).collect::<String>();
        Some(format!(
            "appid=1&webid=1&path=/&columnid={}&unitid={}&webname={webname}&permissiontype=0",
            ids.column_id, ids.unit_id
        ))
    }
}

/// What a path of the site serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Home,
    List {
        column: usize,
        page: usize,
    },
    Article {
        column: usize,
        item: usize,
    },
    /// A department's sub-site home (吉林 platform).
    DeptHome {
        dept: usize,
    },
    /// A standing page (吉林 platform: 政府信息公开指南, 制度, 机构职能).
    Standing {
        page: usize,
    },
    /// An item's `.doc` or `.pdf` attachment (吉林 platform).
    Attachment {
        column: usize,
        item: usize,
        pdf: bool,
    },
}

/// Which platform the site models: its home page, chrome and page layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// The demo and generated districts.
    Classic,
    /// The 吉林 province-wide TRS platform ([`SimSite::jilin`]).
    Jilin,
}

/// A standing page of a department (a page, not a list): 政府信息公开指南, 政府信息公开制度,
/// 机构职能 on the 吉林 platform. A targets file has it as `kind = "page"`.
#[derive(Debug, Clone)]
pub struct SimStanding {
    /// Column id in the targets file, e.g. "wlj-zfxxgkzn".
    pub id: String,
    /// Department name, e.g. "区文化广播电视和旅游局".
    pub department: String,
    /// Page name, e.g. "政府信息公开指南".
    pub name: String,
    /// Absolute path, e.g. "/zcbm/fgw_6931/zfxxgkzn/index.html".
    pub path: String,
    /// Category ids the name implies.
    pub categories: Vec<String>,
    /// Path prefix of the department.
    pub prefix: String,
    /// Paragraphs of the page.
    pub(crate) body: Vec<String>,
}

/// Immutable model of a whole simulated district site. Rendering is a pure function of it, so
/// the same inputs give byte-identical pages.
#[derive(Debug)]
pub struct SimSite {
    pub(crate) uninterpreted: Option<String>,
    pub(crate) today: NaiveDate,
    pub(crate) seed: u64,
    pub(crate) departments: Vec<SimDepartment>,
    pub(crate) columns: Vec<SimColumn>,
    pub(crate) routes: HashMap<String, Route>,
    pub(crate) hanweb_by_id: HashMap<u32, usize>,
    pub(crate) family: Family,
    pub(crate) standing: Vec<SimStanding>,
    pub(crate) jsonp_by_channel: HashMap<u32, usize>,
    /// Every answer is a WZWS-style JavaScript challenge with status 200.
    pub(crate) waf: bool,
    /// 公示 pages with personal numbers, by item path ([`SimSite::with_pii`]).
    pub(crate) pii: HashMap<String, super::pii::PiiPage>,
}

impl SimSite {
    /// The policy the demo deliberately leaves without its 政策解读 (none once fixed).
    pub fn uninterpreted_policy(&self) -> Option<&SimItem> {
        let path = self.uninterpreted.as_deref()?;
        self.columns
            .iter()
            .flat_map(|c| c.items.iter())
            .find(|i| i.path == path)
    }

    /// Every column, in targets-file order.
    pub fn columns(&self) -> &[SimColumn] {
        &self.columns
    }

    /// The column with config id `id`.
    pub fn column(&self, id: &str) -> Option<&SimColumn> {
        self.columns.iter().find(|c| c.id == id)
    }

    /// Every department, in targets-file order.
    pub fn departments(&self) -> &[SimDepartment] {
        &self.departments
    }

    /// Standing pages (吉林 platform), in targets-file order; empty for other sites.
    pub fn standing_pages(&self) -> &[SimStanding] {
        &self.standing
    }

    /// The department a column or standing page with path prefix `prefix` belongs to.
    pub fn department_at(&self, prefix: &str) -> Option<&SimDepartment> {
        self.departments.iter().find(|d| d.prefix == prefix)
    }

    /// The same site behind a WZWS-style firewall: every path answers 200 with an obfuscated
    /// JavaScript challenge page (`wzws_cid`, `wzwschallenge`, cookie `wzws_sessionid`) and
    /// almost no visible text. A crawl must record its columns as blocked, never empty.
    pub fn behind_waf(mut self) -> SimSite {
        self.waf = true;
        self
    }

    /// The same site with 公示 pages that publish personal numbers (generated, valid in form,
    /// not real): one item of each of six columns whose lists answer (the first items' of
    /// the list pages, not the newest), one [`PiiCase`](super::pii::PiiCase) each, in
    /// targets-file order. Items and their counts are unchanged: only those pages' bodies
    /// grow a list or a paragraph.
    pub fn with_pii(mut self) -> SimSite {
        let cases = super::pii::PiiCase::ALL;
        let chosen: Vec<(String, u64)> = self
            .columns
            .iter()
            .filter(|c| c.behaviour == Behaviour::Normal && c.jilin.is_none() && c.items.len() > 1)
            .take(cases.len())
            .map(|c| (c.items[1].path.clone(), c.items[1].doc_id))
            .collect();
        for ((path, doc), case) in chosen.into_iter().zip(cases) {
            self.pii.insert(path, super::pii::PiiPage::new(case, doc));
        }
        self
    }

    /// The 公示 pages with personal numbers, with the item each is, in targets-file order.
    pub fn pii_pages(&self) -> Vec<(&SimItem, &super::pii::PiiPage)> {
        self.columns
            .iter()
            .flat_map(|c| c.items.iter())
            .filter_map(|it| Some((it, self.pii.get(&it.path)?)))
            .collect()
    }

    /// The 公示 page of the item at `path`, if it is one.
    pub(crate) fn pii_page(&self, path: &str) -> Option<&super::pii::PiiPage> {
        self.pii.get(path)
    }

    /// The file a 公示 page links to at `path` (in the item's folder), if it is one.
    pub(crate) fn pii_attachment(&self, path: &str) -> Option<&super::pii::PiiAttachment> {
        let (dir, name) = path.rsplit_once('/')?;
        self.pii.iter().find_map(|(item, page)| {
            let (item_dir, _) = item.rsplit_once('/')?;
            (item_dir == dir)
                .then(|| page.attachments.iter().find(|a| a.name == name))
                .flatten()
        })
    }

    /// The reference date the site is dated from.
    pub fn today(&self) -> NaiveDate {
        self.today
    }
}
