//! The builder both the demo district and the generated sites are made with: it adds
//! departments and columns, fills the columns with dated, titled items from the seed, and
//! indexes the finished site's paths.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};

use super::dates::days_before;
use super::items::{list_text, make_item, needs_interpretation, policy_named, policy_subject};
use super::model::{
    Behaviour, Family, GbkMode, HanwebIds, JilinList, Route, SimColumn, SimDepartment, SimSite,
    SimStanding, Template,
};
use super::rng::SplitMix64;
use super::titles::{TitleCtx, TitleKind, cn_num, make_title};
use crate::util::fnv1a;

/// What a column is made of, before its items are drawn.
pub(crate) struct ColumnSpec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) dept: usize,
    /// Directory of the list pages, relative to the department prefix, e.g. "zfxxgk/yjs/".
    pub(crate) dir: String,
    pub(crate) template: Template,
    pub(crate) behaviour: Behaviour,
    pub(crate) gbk: GbkMode,
    pub(crate) count: usize,
    pub(crate) per_page: usize,
    pub(crate) newest_age: u64,
    pub(crate) gap: (u64, u64),
    pub(crate) kind: TitleKind,
    pub(crate) max_age_days: u32,
    pub(crate) comment_trap: bool,
    pub(crate) hanweb: Option<HanwebIds>,
    /// Most policies are followed in the same column by their 政策解读 (as many 规范性文件
    /// columns publish them), within the 3 working days the task list allows.
    pub(crate) interpreted: bool,
    /// The 吉林 platform's list form, for its columns.
    pub(crate) jilin: Option<JilinList>,
}

/// A site under construction.
pub(crate) struct Builder {
    /// Path of the policy the demo leaves without its 政策解读.
    pub(crate) uninterpreted: Option<String>,
    today: NaiveDate,
    seed: u64,
    pub(crate) rng: SplitMix64,
    next_doc: u64,
    pub(crate) departments: Vec<SimDepartment>,
    pub(crate) columns: Vec<SimColumn>,
    pub(crate) standing: Vec<SimStanding>,
    pub(crate) family: Family,
}

impl Builder {
    pub(crate) fn new(today: NaiveDate, seed: u64, first_doc: u64) -> Self {
        Builder {
            uninterpreted: None,
            today,
            seed,
            rng: SplitMix64::new(seed),
            next_doc: first_doc,
            departments: Vec::new(),
            columns: Vec::new(),
            standing: Vec::new(),
            family: Family::Classic,
        }
    }

    pub(crate) fn department(
        &mut self,
        name: &str,
        prefix: &str,
        abbr: &str,
        aliases: &[&str],
    ) -> usize {
        self.departments.push(SimDepartment {
            name: name.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            prefix: format!("/{prefix}/"),
            abbr: abbr.to_owned(),
            credit_code: None,
        });
        self.departments.len() - 1
    }

    pub(crate) fn column(&mut self, spec: ColumnSpec) -> usize {
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
            jilin: spec.jilin,
            kind: spec.kind,
        });
        self.columns.len() - 1
    }

    /// Adds items (date, title, document number) to a column, keeping it newest first.
    pub(crate) fn add_items(
        &mut self,
        column: usize,
        new: Vec<(NaiveDate, String, Option<String>)>,
    ) {
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
    pub(crate) fn catch_up(&mut self, column: usize, count: usize, newest_age: u64) {
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
    pub(crate) fn link_interpretations(
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
    pub(crate) fn retitle(&mut self, column: usize, item: usize, title: &str) {
        if let Some(col) = self.columns.get_mut(column) {
            let template = col.template;
            if let Some(it) = col.items.get_mut(item) {
                it.title = title.to_owned();
                it.list_text = list_text(template, title);
            }
        }
    }

    pub(crate) fn finish(self) -> SimSite {
        let mut routes = HashMap::new();
        let mut hanweb_by_id = HashMap::new();
        let mut jsonp_by_channel = HashMap::new();
        routes.insert("/".to_owned(), Route::Home);
        routes.insert("/index.html".to_owned(), Route::Home);
        if self.family == Family::Jilin {
            for (di, d) in self.departments.iter().enumerate() {
                routes.insert(d.prefix.clone(), Route::DeptHome { dept: di });
                routes.insert(
                    format!("{}index.html", d.prefix),
                    Route::DeptHome { dept: di },
                );
            }
        }
        for (si, s) in self.standing.iter().enumerate() {
            routes.insert(s.path.clone(), Route::Standing { page: si });
        }
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
                if col.jilin.is_some() {
                    let [doc, pdf] = super::jilin::attachment_paths(it);
                    for (path, pdf) in [(doc, false), (pdf, true)] {
                        let (column, item) = (ci, ii);
                        routes.insert(path, Route::Attachment { column, item, pdf });
                    }
                }
            }
            if let Some(h) = col.hanweb {
                hanweb_by_id.insert(h.column_id, ci);
            }
            if let Some(JilinList::Jsonp { channel_id }) = col.jilin {
                jsonp_by_channel.insert(channel_id, ci);
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
            family: self.family,
            standing: self.standing,
            jsonp_by_channel,
            waf: false,
            pii: HashMap::new(),
        }
    }
}
