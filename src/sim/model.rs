//! The site's data model: departments, columns and items, and how the demo district and the
//! generated benchmark sites are built from a seed and a reference date.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};
use url::Url;

use super::titles::{TitleCtx, TitleKind, cn_num, make_title};

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
}

impl SimDepartment {
    /// The name with the district in front, e.g. "洮北区财政局".
    pub fn full_name(&self) -> String {
        match self.name.strip_prefix('区') {
            Some(rest) => format!("{DISTRICT}{rest}"),
            None => format!("{DISTRICT}{}", self.name),
        }
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
    pub(crate) kind: TitleKind,
}

/// Records a Hanweb column page holds before the data proxy takes over (3 pages of 15).
pub const HANWEB_FIRST_RECORDS: usize = 45;
/// Records per Hanweb page.
pub const HANWEB_PER_PAGE: usize = 15;
/// Path of the Hanweb jpage data proxy.
pub const HANWEB_PROXY_PATH: &str = "/module/web/jpage/dataproxy.jsp";
/// The district every site belongs to.
pub const DISTRICT: &str = "洮北区";

impl SimColumn {
    /// The column's directory, e.g. "/czj/zfxxgk/yjs/".
    pub fn dir(&self) -> &str {
        match self.path.rfind('/') {
            Some(i) => &self.path[..=i],
            None => "/",
        }
    }

    /// Number of list pages served (Hanweb: the one column page; at least 1).
    pub fn page_count(&self) -> usize {
        if self.template == Template::Hanweb || self.items.is_empty() || self.per_page == 0 {
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

/// An item a correct crawler must store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExpectedItem {
    /// Column id from the targets file.
    pub column_id: String,
    /// Full, unescaped, whitespace-normalised title.
    pub title: String,
    /// Absolute URL of the detail page.
    pub url: Url,
    /// Publication date.
    pub date: NaiveDate,
    /// Where the date comes from: "list", "url" or "detail_meta".
    pub date_source: &'static str,
}

/// What a path of the site serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Home,
    List { column: usize, page: usize },
    Article { column: usize, item: usize },
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
}

/// splitmix64: tiny, seedable and good enough to vary the site; no external randomness so the
/// site is reproducible.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// In `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo).saturating_add(1))
    }
}

pub(crate) use crate::util::fnv1a;

/// `date` minus `days`, clamped at the earliest date chrono knows rather than panicking on
/// absurd benchmark sizes.
pub(crate) fn days_before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// The link text a list shows for a title: long titles are cut to 26 characters plus "…".
fn truncated(title: &str) -> String {
    if title.chars().count() > 28 {
        let mut t: String = title.chars().take(26).collect();
        t.push('…');
        t
    } else {
        title.to_owned()
    }
}

struct ColumnSpec {
    id: String,
    name: String,
    dept: usize,
    /// Directory of the list pages, relative to the department prefix, e.g. "zfxxgk/yjs/".
    dir: String,
    template: Template,
    behaviour: Behaviour,
    gbk: GbkMode,
    count: usize,
    per_page: usize,
    newest_age: u64,
    gap: (u64, u64),
    kind: TitleKind,
    max_age_days: u32,
    comment_trap: bool,
    hanweb: Option<HanwebIds>,
    /// Most policies are followed in the same column by their 政策解读 (as many 规范性文件
    /// columns publish them), within the 3 working days the task list allows.
    interpreted: bool,
}

struct Builder {
    /// Path of the policy the demo leaves without its 政策解读.
    uninterpreted: Option<String>,
    today: NaiveDate,
    seed: u64,
    rng: SplitMix64,
    next_doc: u64,
    departments: Vec<SimDepartment>,
    columns: Vec<SimColumn>,
}

impl Builder {
    fn new(today: NaiveDate, seed: u64, first_doc: u64) -> Self {
        Builder {
            uninterpreted: None,
            today,
            seed,
            rng: SplitMix64::new(seed),
            next_doc: first_doc,
            departments: Vec::new(),
            columns: Vec::new(),
        }
    }

    fn department(&mut self, name: &str, prefix: &str, abbr: &str, aliases: &[&str]) -> usize {
        self.departments.push(SimDepartment {
            name: name.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            prefix: format!("/{prefix}/"),
            abbr: abbr.to_owned(),
        });
        self.departments.len() - 1
    }

    fn column(&mut self, spec: ColumnSpec) -> usize {
        let Some(dept) = self.departments.get(spec.dept).cloned() else {
            return usize::MAX;
        };
        let dir = format!("{}{}", dept.prefix, spec.dir);
        let path = match spec.template {
            Template::Table => format!("{dir}list.html"),
            _ => format!("{dir}index.html"),
        };
        let count = if spec.behaviour == Behaviour::Normal {
            spec.count
        } else {
            0
        };
        // A column-local stream keeps one column's items stable when another column changes.
        let mut rng = SplitMix64::new(self.rng.next_u64() ^ fnv1a(spec.id.as_bytes()));
        let mut dates = Vec::with_capacity(count);
        let mut d = days_before(self.today, spec.newest_age);
        for i in 0..count {
            if i > 0 {
                d = days_before(d, rng.range(spec.gap.0, spec.gap.1));
            }
            dates.push(d);
        }
        let dept_full = dept.full_name();
        let mut seen = HashSet::new();
        let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
        let mut items = Vec::with_capacity(count);
        let mut pending_policy: Option<String> = None;
        // Oldest first, so document ids and numbers grow with time as on a real site.
        for date in dates.iter().rev().copied() {
            self.next_doc += 1 + self.rng.below(9);
            let seq = per_year.entry(date.year()).or_insert(0);
            *seq += 1;
            let ctx = TitleCtx {
                year: date.year(),
                month: date.month(),
                seq: *seq,
                dept_full: &dept_full,
                abbr: &dept.abbr,
            };
            // Nine policies in ten get their 解读 as the column's next item (dated the same
            // day or up to 3 days later: within 3 working days whatever the calendar).
            let interprets = pending_policy
                .take()
                .filter(|_| spec.interpreted && rng.below(10) < 9);
            // Redraw a few times before falling back to a "（二）" suffix, so most titles read
            // naturally; the suffix keeps titles unique within the column whatever the count.
            let (mut base, mut doc_no) = match &interprets {
                Some(subject) => (format!("关于《{subject}》的政策解读"), None),
                None => make_title(spec.kind, &ctx, &mut rng),
            };
            for _ in 0..12 {
                if interprets.is_some() || !seen.contains(&base) {
                    break;
                }
                (base, doc_no) = make_title(spec.kind, &ctx, &mut rng);
            }
            let mut title = base.clone();
            let mut k = 2;
            while !seen.insert(title.clone()) {
                title = format!("{base}（{}）", cn_num(k));
                k += 1;
            }
            if spec.interpreted && interprets.is_none() && !title.contains("废止") {
                pending_policy = policy_named(&title);
            }
            let doc_id = self.next_doc;
            items.push(make_item(
                spec.template,
                &dir,
                spec.hanweb,
                date,
                title,
                doc_no,
                doc_id,
                &mut rng,
            ));
        }
        items.reverse();
        self.columns.push(SimColumn {
            id: spec.id,
            department: dept.name.clone(),
            name: spec.name,
            path,
            template: spec.template,
            behaviour: spec.behaviour,
            gbk: spec.gbk,
            prefix: dept.prefix.clone(),
            categories: spec
                .kind
                .categories()
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            max_age_days: spec.max_age_days,
            per_page: spec.per_page,
            items,
            hanweb: spec.hanweb,
            comment_trap: spec.comment_trap,
            redesigned: false,
            kind: spec.kind,
        });
        self.columns.len() - 1
    }

    /// Adds items (date, title, document number) to a column, keeping it newest first.
    fn add_items(&mut self, column: usize, new: Vec<(NaiveDate, String, Option<String>)>) {
        let mut rng = SplitMix64::new(self.rng.next_u64());
        let mut made = Vec::with_capacity(new.len());
        for (date, title, doc_no) in new {
            self.next_doc += 1 + self.rng.below(9);
            let Some(col) = self.columns.get(column) else {
                return;
            };
            made.push(make_item(
                col.template,
                col.dir(),
                col.hanweb,
                date,
                title,
                doc_no,
                self.next_doc,
                &mut rng,
            ));
        }
        if let Some(col) = self.columns.get_mut(column) {
            col.items.extend(made);
            // Stable: items of one day keep the order they were added in.
            col.items.sort_by_key(|i| std::cmp::Reverse(i.date));
        }
    }

    /// Items of a column's own kind, newer than anything it holds: the department caught up.
    fn catch_up(&mut self, column: usize, count: usize, newest_age: u64) {
        let Some(col) = self.columns.get(column) else {
            return;
        };
        let kind = col.kind;
        let seen: HashSet<String> = col.items.iter().map(|i| i.title.clone()).collect();
        let dept = self
            .departments
            .iter()
            .find(|d| d.name == col.department)
            .cloned();
        let Some(dept) = dept else {
            return;
        };
        let dept_full = dept.full_name();
        let mut rng = SplitMix64::new(self.rng.next_u64());
        let mut new = Vec::new();
        for i in 0..count {
            let date = days_before(self.today, newest_age + 2 * i as u64);
            let ctx = TitleCtx {
                year: date.year(),
                month: date.month(),
                seq: 90 + i as u32,
                dept_full: &dept_full,
                abbr: &dept.abbr,
            };
            let (mut title, mut doc_no) = make_title(kind, &ctx, &mut rng);
            for _ in 0..12 {
                if !seen.contains(&title) {
                    break;
                }
                (title, doc_no) = make_title(kind, &ctx, &mut rng);
            }
            if seen.contains(&title) {
                title = format!("{title}（续）");
            }
            new.push((date, title, doc_no));
        }
        self.add_items(column, new);
    }

    /// Gives every policy of `policies` that is not a repeal its 政策解读 in `interpretations`,
    /// published the same day, except `omit` (an index into `policies`' items) which is left
    /// without one. The interpretations replace whatever `interpretations` held.
    fn link_interpretations(
        &mut self,
        policies: usize,
        interpretations: usize,
        omit: Option<usize>,
    ) {
        let Some(pcol) = self.columns.get(policies) else {
            return;
        };
        let mut new = Vec::new();
        let mut seen = HashSet::new();
        for (i, p) in pcol.items.iter().enumerate() {
            if Some(i) == omit || !needs_interpretation(&p.title) {
                continue;
            }
            // A policy revised later gets a second 解读: the forms keep titles unique.
            let subject = policy_subject(&p.title);
            let title = [
                format!("关于《{subject}》的政策解读"),
                format!("一图读懂《{subject}》"),
                format!("《{subject}》解读问答"),
            ]
            .into_iter()
            .find(|t| !seen.contains(t))
            .unwrap_or_else(|| format!("关于《{subject}》的政策解读（{}）", cn_num(i + 2)));
            seen.insert(title.clone());
            new.push((p.date, title, None));
        }
        if let Some(icol) = self.columns.get_mut(interpretations) {
            icol.items.clear();
        }
        self.add_items(interpretations, new);
    }

    /// Replaces an item's title (demo edge cases), keeping the list text rule of the template.
    fn retitle(&mut self, column: usize, item: usize, title: &str) {
        if let Some(col) = self.columns.get_mut(column) {
            let template = col.template;
            if let Some(it) = col.items.get_mut(item) {
                it.title = title.to_owned();
                it.list_text = match template {
                    Template::Trs | Template::Hanweb => truncated(title),
                    _ => title.to_owned(),
                };
            }
        }
    }

    fn finish(self) -> SimSite {
        let mut routes = HashMap::new();
        let mut hanweb_by_id = HashMap::new();
        routes.insert("/".to_owned(), Route::Home);
        routes.insert("/index.html".to_owned(), Route::Home);
        for (ci, col) in self.columns.iter().enumerate() {
            for page in 0..col.page_count() {
                routes.insert(col.page_path(page), Route::List { column: ci, page });
            }
            for (ii, it) in col.items.iter().enumerate() {
                routes.insert(
                    it.path.clone(),
                    Route::Article {
                        column: ci,
                        item: ii,
                    },
                );
            }
            if let Some(h) = col.hanweb {
                hanweb_by_id.insert(h.column_id, ci);
            }
        }
        SimSite {
            uninterpreted: self.uninterpreted,
            today: self.today,
            seed: self.seed,
            departments: self.departments,
            columns: self.columns,
            routes,
            hanweb_by_id,
        }
    }
}

/// Whether the demo's design gives a policy a 政策解读: every one but a repeal.
pub(crate) fn needs_interpretation(title: &str) -> bool {
    !title.contains("废止")
}

/// What a policy is called: the name inside its 《》, else its whole title.
pub(crate) fn policy_subject(title: &str) -> String {
    match (title.find('《'), title.find('》')) {
        (Some(a), Some(b)) if a < b => title[a + '《'.len_utf8()..b].to_owned(),
        _ => title.to_owned(),
    }
}

/// One article of a column: its path and list link follow the column's template.
#[allow(clippy::too_many_arguments)]
fn make_item(
    template: Template,
    dir: &str,
    hanweb: Option<HanwebIds>,
    date: NaiveDate,
    title: String,
    doc_no: Option<String>,
    doc_id: u64,
    rng: &mut SplitMix64,
) -> SimItem {
    let time = NaiveTime::from_hms_opt(rng.range(8, 17) as u32, (rng.below(12) * 5) as u32, 0)
        .unwrap_or_default();
    let (y, m, dd) = (date.year(), date.month(), date.day());
    let (path, href) = match template {
        Template::Trs => {
            let rel = format!("{y:04}{m:02}/t{y:04}{m:02}{dd:02}_{doc_id}.html");
            (format!("{dir}{rel}"), format!("./{rel}"))
        }
        Template::UrlDate => {
            let p = format!("{dir}{y:04}{m:02}/t{y:04}{m:02}{dd:02}_{doc_id}.html");
            (p.clone(), p)
        }
        Template::DetailMeta => {
            let p = format!("{dir}{y:04}{m:02}/abc{doc_id}.html");
            (p.clone(), p)
        }
        Template::Table => {
            let p = format!("{dir}content_{doc_id}.html");
            (p.clone(), p)
        }
        Template::Hanweb => {
            let colid = hanweb.map(|h| h.column_id).unwrap_or_default();
            let p = format!("/art/{y}/{m}/{dd}/art_{colid}_{doc_id}.html");
            (p.clone(), p)
        }
    };
    let list_text = match template {
        Template::Trs | Template::Hanweb => truncated(&title),
        _ => title.clone(),
    };
    SimItem {
        title,
        list_text,
        date,
        time,
        doc_id,
        path,
        href,
        doc_no,
    }
}

/// Shorthand for the demo's column table.
#[allow(clippy::too_many_arguments)]
fn spec(
    id: &str,
    name: &str,
    dept: usize,
    dir: &str,
    template: Template,
    gbk: GbkMode,
    count: usize,
    newest_age: u64,
    kind: TitleKind,
    max_age_days: u32,
) -> ColumnSpec {
    let per_page = match template {
        Template::Hanweb => HANWEB_PER_PAGE,
        _ => 20,
    };
    ColumnSpec {
        id: id.to_owned(),
        name: name.to_owned(),
        dept,
        dir: dir.to_owned(),
        template,
        behaviour: Behaviour::Normal,
        gbk,
        count,
        per_page,
        newest_age,
        gap: (1, 6),
        kind,
        max_age_days,
        comment_trap: false,
        hanweb: None,
        interpreted: false,
    }
}

/// The name inside a title's first 《》.
fn policy_named(title: &str) -> Option<String> {
    let (_, rest) = title.split_once('《')?;
    let (name, _) = rest.split_once('》')?;
    Some(name.to_owned())
}

/// Seed of the demo district; any constant would do, this one just has to never change.
const DEMO_SEED: u64 = 0x7A0B_E1D0_2023_0512;

/// Departments the generated sites draw from: name, path prefix, document-number prefix.
const GEN_DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("区政府办", "zfb", "洮北政办"),
    ("区发展和改革局", "fgj", "洮北发改"),
    ("区教育局", "jyj", "洮北教"),
    ("区科技和工业信息化局", "kgj", "洮北科工"),
    ("区民政局", "mzj", "洮北民"),
    ("区司法局", "sfj", "洮北司"),
    ("区财政局", "czj", "洮北财"),
    ("区人社局", "rsj", "洮北人社"),
    ("区自然资源局", "zrj", "洮北自然"),
    ("区住房和城乡建设局", "zjj", "洮北住建"),
    ("区交通运输局", "jtj", "洮北交"),
    ("区水利局", "slj", "洮北水"),
    ("区农业农村局", "nyj", "洮北农"),
    ("区商务局", "swj", "洮北商"),
    ("区文化广播电视和旅游局", "wlj", "洮北文旅"),
    ("区卫生健康局", "wjj", "洮北卫健"),
    ("区退役军人事务局", "tyj", "洮北退役"),
    ("区应急管理局", "yjj", "洮北应急"),
    ("区审计局", "sjj", "洮北审"),
    ("区市场监督管理局", "scj", "洮北市监"),
    ("区统计局", "tjj", "洮北统"),
    ("区医疗保障局", "ybj", "洮北医保"),
    ("区林业局", "lyj", "洮北林"),
    ("区城市管理执法局", "cgj", "洮北城管"),
    ("区信访局", "xfj", "洮北信访"),
    ("区政务服务和数字化建设管理局", "zsj", "洮北政数"),
    ("区生态环境分局", "hbj", "洮北环"),
    ("平台镇人民政府", "ptz", "平台镇"),
    ("到保镇人民政府", "dbz", "到保镇"),
    ("林海镇人民政府", "lhz", "林海镇"),
    ("洮河镇人民政府", "thz", "洮河镇"),
    ("青山镇人民政府", "qsz", "青山镇"),
    ("岭下镇人民政府", "lxz", "岭下镇"),
    ("东风乡人民政府", "dfx", "东风乡"),
    ("三合乡人民政府", "shx", "三合乡"),
    ("东胜乡人民政府", "dsx", "东胜乡"),
    ("金祥乡人民政府", "jxx", "金祥乡"),
    ("德顺蒙古族乡人民政府", "dsmx", "德顺乡"),
    ("新华街道办事处", "xhjd", "新华街"),
    ("明仁街道办事处", "mrjd", "明仁街"),
    ("铁东街道办事处", "tdjd", "铁东街"),
    ("海明街道办事处", "hmjd", "海明街"),
    ("长庆街道办事处", "cqjd", "长庆街"),
    ("瑞光街道办事处", "rgjd", "瑞光街"),
    ("新立街道办事处", "xljd", "新立街"),
    ("保胜街道办事处", "bsjd", "保胜街"),
];

/// Columns the generated sites draw from: name, id/directory key, kind.
const GEN_COLUMNS: &[(&str, &str, TitleKind)] = &[
    ("通知公告", "tzgg", TitleKind::Notice),
    ("政策解读", "zcjd", TitleKind::PolicyInterp),
    ("财政预决算", "yjs", TitleKind::Budget),
    ("政府采购", "zfcg", TitleKind::Procurement),
    ("行政规范性文件", "gfxwj", TitleKind::NormativeDoc),
    ("行政处罚", "xzcf", TitleKind::Penalty),
    ("行政许可", "xzxk", TitleKind::Licensing),
    ("规划计划", "ghjh", TitleKind::Planning),
    ("工作动态", "gzdt", TitleKind::WorkNews),
    ("人事信息", "rsxx", TitleKind::Personnel),
    ("收费项目", "sfxm", TitleKind::Fees),
    ("政府信息公开年报", "ndbg", TitleKind::AnnualReport),
    ("就业创业", "jycy", TitleKind::Employment),
    ("社会救助", "shjz", TitleKind::SocialAssistance),
    ("养老服务", "ylfw", TitleKind::ElderlyCare),
    ("招生信息", "zsxx", TitleKind::Enrollment),
];

impl SimSite {
    /// The demo district: six departments, twelve columns covering every template, encoding
    /// declaration and failure mode, dated relative to `today`.
    pub fn demo(today: NaiveDate) -> SimSite {
        SimSite::demo_in(today, DemoState::Initial)
    }

    /// The demo district in one of its states (see [`DemoState`]).
    pub fn demo_in(today: NaiveDate, state: DemoState) -> SimSite {
        use GbkMode as G;
        use Template as T;
        use TitleKind as K;
        let mut b = Builder::new(today, DEMO_SEED, 4710);
        let zfb = b.department(
            "区政府办",
            "zfb",
            "洮北政办",
            &["洮北区人民政府办公室", "区政府办公室"],
        );
        let czj = b.department("区财政局", "czj", "洮北财", &["洮北区财政局"]);
        let sfj = b.department("区司法局", "sfj", "洮北司", &["洮北区司法局"]);
        let rsj = b.department(
            "区人社局",
            "rsj",
            "洮北人社",
            &["洮北区人力资源和社会保障局", "区人力资源和社会保障局"],
        );
        let mzj = b.department("区民政局", "mzj", "洮北民", &["洮北区民政局"]);
        let jyj = b.department("区教育局", "jyj", "洮北教", &["洮北区教育局"]);

        let tzgg = b.column(spec(
            "zfb-tzgg",
            "通知公告",
            zfb,
            "zfxxgk/tzgg/",
            T::Trs,
            G::No,
            55,
            2,
            K::Notice,
            7,
        ));
        let zcjd = b.column(ColumnSpec {
            comment_trap: true,
            ..spec(
                "zfb-zcjd",
                "政策解读",
                zfb,
                "zfxxgk/zcjd/",
                T::Trs,
                G::No,
                18,
                5,
                K::PolicyInterp,
                14,
            )
        });
        let yjs = b.column(spec(
            "czj-yjs",
            "财政预决算",
            czj,
            "zfxxgk/yjs/",
            T::Trs,
            G::MetaOnly,
            30,
            40,
            K::Budget,
            30,
        ));
        b.column(spec(
            "czj-zfcg",
            "政府采购",
            czj,
            "zfxxgk/zfcg/",
            T::Table,
            G::HeaderOnly,
            25,
            3,
            K::Procurement,
            7,
        ));
        let gfxwj = b.column(spec(
            "sfj-gfxwj",
            "行政规范性文件",
            sfj,
            "zfxxgk/gfxwj/",
            T::Table,
            G::No,
            45,
            10,
            K::NormativeDoc,
            30,
        ));
        let xzcf = b.column(spec(
            "sfj-xzcf",
            "行政处罚",
            sfj,
            "zfxxgk/xzcf/",
            T::Trs,
            G::Undeclared,
            12,
            1,
            K::Penalty,
            7,
        ));
        b.column(ColumnSpec {
            hanweb: Some(HanwebIds {
                column_id: 4455,
                unit_id: 20481,
            }),
            ..spec(
                "rsj-jycy",
                "就业创业",
                rsj,
                "col/col4455/",
                T::Hanweb,
                G::No,
                100,
                4,
                K::Employment,
                7,
            )
        });
        let xzxk = b.column(ColumnSpec {
            hanweb: Some(HanwebIds {
                column_id: 4456,
                unit_id: 20481,
            }),
            ..spec(
                "rsj-xzxk",
                "行政许可",
                rsj,
                "col/col4456/",
                T::Hanweb,
                G::No,
                20,
                25,
                K::Licensing,
                14,
            )
        });
        b.column(spec(
            "mzj-shjz",
            "社会救助",
            mzj,
            "zfxxgk/shjz/",
            T::UrlDate,
            G::No,
            30,
            6,
            K::SocialAssistance,
            14,
        ));
        b.column(spec(
            "mzj-ylfw",
            "养老服务",
            mzj,
            "zfxxgk/ylfw/",
            T::DetailMeta,
            G::No,
            8,
            12,
            K::ElderlyCare,
            30,
        ));
        let zsxx = b.column(ColumnSpec {
            behaviour: Behaviour::Blank,
            ..spec(
                "jyj-zsxx",
                "招生信息",
                jyj,
                "zfxxgk/zsxx/",
                T::Trs,
                G::No,
                0,
                0,
                K::Enrollment,
                30,
            )
        });
        let xxgk = b.column(ColumnSpec {
            behaviour: Behaviour::ServerError,
            ..spec(
                "jyj-xxgk",
                "信息公开年报",
                jyj,
                "zfxxgk/xxgk/",
                T::Trs,
                G::No,
                0,
                0,
                K::AnnualReport,
                365,
            )
        });

        // Edge cases of 通知公告: markup characters that must be escaped, a title long
        // enough to be truncated in the link text, and link text padded with full-width spaces.
        b.retitle(tzgg, 2, "关于\"清理<违规>收费\"&规范管理的通知");
        let year = b
            .columns
            .get(tzgg)
            .and_then(|c| c.items.get(3))
            .map(|i| i.date.year())
            .unwrap_or(2023);
        b.retitle(
            tzgg,
            3,
            &format!(
                "洮北区人民政府办公室关于印发《洮北区{year}年深化“放管服”改革优化营商环境工作要点》的通知"
            ),
        );
        // On page 2, and on an untruncated title so that the trimmed text still equals it.
        if let Some(it) = b
            .columns
            .get_mut(tzgg)
            .and_then(|c| c.items.iter_mut().skip(21).find(|i| i.list_text == i.title))
        {
            it.list_text = format!("\u{3000}\u{3000}{} \u{3000}", it.list_text);
        }

        // Every 规范性文件 of 区司法局 gets its 政策解读 the same day, except one: the newest
        // whose three working days are long over.
        let omit = (state != DemoState::Fixed)
            .then(|| {
                b.columns.get(gfxwj).and_then(|c| {
                    c.items.iter().position(|i| {
                        needs_interpretation(&i.title) && i.date <= days_before(today, 10)
                    })
                })
            })
            .flatten();
        b.uninterpreted = omit.and_then(|i| {
            b.columns
                .get(gfxwj)
                .and_then(|c| c.items.get(i))
                .map(|it| it.path.clone())
        });
        b.link_interpretations(gfxwj, zcjd, omit);

        // The yearly duties 区政府办 leads (tasks 40, 43, 45, 46 and last year's 年度报告) are
        // met; this year's 年度报告 is not, nor is 区司法局's share of the training (task 43).
        let y = today.year();
        let on = |year: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
        let mut duties = vec![
            (
                on(y - 1, 1, 25),
                format!("洮北区{}年政府信息公开工作年度报告", y - 2),
            ),
            (
                on(y - 1, 4, 10),
                format!("洮北区{}年政务公开工作要点", y - 1),
            ),
            (
                on(y - 1, 6, 18),
                format!("关于举办{}年全区政务公开业务培训班的通知", y - 1),
            ),
            (
                on(y - 1, 9, 20),
                format!("关于举办{}年“政府开放日”活动的公告", y - 1),
            ),
            (
                on(y - 1, 12, 15),
                format!("关于{}年度全区政务公开工作考评结果的通报", y - 1),
            ),
            (
                on(y, 6, 18),
                format!("关于举办{y}年全区政务公开业务培训班的通知"),
            ),
        ];
        if state == DemoState::Fixed {
            duties.push((
                on(y, 1, 25),
                format!("洮北区{}年政府信息公开工作年度报告", y - 1),
            ));
        }
        let duties = duties
            .into_iter()
            .filter_map(|(d, t)| d.filter(|d| *d <= today).map(|d| (d, t, None)))
            .collect();
        b.add_items(tzgg, duties);
        match state {
            DemoState::Initial => {}
            DemoState::Redesigned => {
                if let Some(c) = b.columns.get_mut(xzcf) {
                    c.redesigned = true;
                }
            }
            DemoState::Fixed => {
                // The stale columns publish again, the blank one fills, the failing one
                // answers.
                b.catch_up(yjs, 2, 1);
                b.catch_up(xzxk, 2, 2);
                b.add_items(
                    gfxwj,
                    vec![(
                        days_before(today, 1),
                        format!("关于举办{y}年全区司法行政系统政务公开培训班的通知"),
                        None,
                    )],
                );
                for (col, n, age) in [(zsxx, 5, 3), (xxgk, 2, 20)] {
                    if let Some(c) = b.columns.get_mut(col) {
                        c.behaviour = Behaviour::Normal;
                    }
                    b.catch_up(col, n, age);
                }
            }
        }
        b.finish()
    }

    /// A generated site for benchmarks: `departments` × `columns_per_department` columns of
    /// `pages_per_column` × `items_per_page` items, templates rotating TRS / table / Hanweb, about
    /// one column in seven GBK, pages padded to 22–52 KiB. Deterministic in `seed`.
    pub fn generated(
        today: NaiveDate,
        departments: usize,
        columns_per_department: usize,
        pages_per_column: usize,
        items_per_page: usize,
        seed: u64,
    ) -> SimSite {
        let mut b = Builder::new(today, seed, 10_000 + seed % 1000);
        let pool = GEN_DEPARTMENTS.len();
        for d in 0..departments {
            let (name, prefix, abbr) = GEN_DEPARTMENTS[d % pool];
            let round = d / pool;
            let (name, prefix) = if round == 0 {
                (name.to_owned(), prefix.to_owned())
            } else {
                (
                    format!("{name}（{}）", round + 1),
                    format!("{prefix}{}", round + 1),
                )
            };
            let alias = match name.strip_prefix('区') {
                Some(rest) => format!("{DISTRICT}{rest}"),
                None => format!("{DISTRICT}{name}"),
            };
            b.department(&name, &prefix, abbr, &[alias.as_str()]);
        }
        let templates = [Template::Trs, Template::Table, Template::Hanweb];
        let gbk_modes = [GbkMode::HeaderOnly, GbkMode::MetaOnly, GbkMode::Undeclared];
        let mut k: usize = 0;
        for d in 0..departments {
            let prefix_key = b
                .departments
                .get(d)
                .map(|dep| dep.prefix.trim_matches('/').to_owned())
                .unwrap_or_default();
            for j in 0..columns_per_department {
                let (name, key, kind) = GEN_COLUMNS[(d * 3 + j) % GEN_COLUMNS.len()];
                let round = j / GEN_COLUMNS.len();
                let (name, key) = if round == 0 {
                    (name.to_owned(), key.to_owned())
                } else {
                    (
                        format!("{name}（{}）", round + 1),
                        format!("{key}{}", round + 1),
                    )
                };
                let template = templates[k % templates.len()];
                let gbk = if fnv1a(&(seed ^ k as u64).to_le_bytes()).is_multiple_of(7) {
                    gbk_modes[(k / 3) % gbk_modes.len()]
                } else {
                    GbkMode::No
                };
                let column_id = 5000 + k as u32;
                let (dir, hanweb, per_page) = if template == Template::Hanweb {
                    (
                        format!("col/col{column_id}/"),
                        Some(HanwebIds {
                            column_id,
                            unit_id: 30_000 + d as u32,
                        }),
                        HANWEB_PER_PAGE,
                    )
                } else {
                    (format!("zfxxgk/{key}/"), None, items_per_page)
                };
                let newest_age = b.rng.below(21);
                b.column(ColumnSpec {
                    id: format!("{prefix_key}-{key}"),
                    name,
                    dept: d,
                    dir,
                    template,
                    behaviour: Behaviour::Normal,
                    gbk,
                    count: pages_per_column.saturating_mul(items_per_page),
                    per_page,
                    newest_age,
                    gap: (0, 3),
                    kind,
                    max_age_days: 14,
                    comment_trap: false,
                    hanweb,
                    interpreted: kind == TitleKind::NormativeDoc,
                });
                k += 1;
            }
        }
        b.finish()
    }

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

    /// The reference date the site is dated from.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Every item a correct crawler must store, with absolute URLs under `origin`, column by
    /// column, newest first.
    pub fn expected_items(&self, origin: &Url) -> Vec<ExpectedItem> {
        self.columns
            .iter()
            .flat_map(|col| {
                col.items.iter().map(move |it| ExpectedItem {
                    column_id: col.id.clone(),
                    title: crate::extract::text::normalize_space(&it.title),
                    url: url_at(origin, &it.path),
                    date: it.date,
                    date_source: col.template.date_source(),
                })
            })
            .collect()
    }

    /// A targets TOML describing this site's departments and columns, with absolute URLs under
    /// `origin`.
    pub fn targets_toml(&self, origin: &Url) -> String {
        let mut out = String::from(
            "# Generated by gkwatch's simulated district site (sim::SimSite::targets_toml).\n",
        );
        for dept in &self.departments {
            let _ = write!(
                out,
                // The simulated site serves on loopback: its columns must be let through.
                "\n[[department]]\nname = {}\naliases = [{}]\nsite = {}\nallow_private = true\n",
                toml_str(&dept.name),
                dept.aliases
                    .iter()
                    .map(|a| toml_str(a))
                    .collect::<Vec<_>>()
                    .join(", "),
                toml_str(url_at(origin, &dept.prefix).as_str()),
            );
            for col in self.columns.iter().filter(|c| c.prefix == dept.prefix) {
                let _ = write!(
                    out,
                    "\n[[department.column]]\nid = {}\nname = {}\nurl = {}\nprofile = {}\nkind = \"list\"\ncategories = [{}]\nmax_age_days = {}\n",
                    toml_str(&col.id),
                    toml_str(&col.name),
                    toml_str(url_at(origin, &col.path).as_str()),
                    toml_str(col.template.profile()),
                    col.categories
                        .iter()
                        .map(|c| toml_str(c))
                        .collect::<Vec<_>>()
                        .join(", "),
                    col.max_age_days,
                );
            }
        }
        out
    }

    /// Last instant any item of the site was published, as a naive UTC time.
    pub(crate) fn newest_instant(&self) -> NaiveDateTime {
        self.columns
            .iter()
            .filter_map(|c| c.items.first())
            .map(item_instant)
            .max()
            .unwrap_or_else(|| fallback_instant(self.today))
    }
}

/// When an item was published, as naive UTC (the site's clock is China Standard Time).
pub(crate) fn item_instant(it: &SimItem) -> NaiveDateTime {
    let local = it.date.and_time(it.time);
    local
        .checked_sub_signed(chrono::TimeDelta::hours(8))
        .unwrap_or(local)
}

/// Last-Modified of pages with no items: a fixed point well before `today`.
pub(crate) fn fallback_instant(today: NaiveDate) -> NaiveDateTime {
    days_before(today, 365).and_time(NaiveTime::MIN)
}

/// `origin` with its path replaced by the absolute `path`; never fails, unlike `Url::join`.
pub(crate) fn url_at(origin: &Url, path: &str) -> Url {
    let mut u = origin.clone();
    u.set_path(path);
    u.set_query(None);
    u.set_fragment(None);
    u
}

fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
