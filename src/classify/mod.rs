//! Classification: which disclosure categories an item belongs to, and why.
//!
//! Pure: a title, its context (the column's id, declared categories and name, the department's
//! name) and the catalog in; categories with the pattern (or the column, or the department) that
//! put each one there out, so every decision can be explained.

mod context;

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexSet};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::types::Match;

/// An item's categories.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// Category ids, in catalog order.
    pub categories: Vec<String>,
    pub matched: Vec<Match>,
}

impl Classification {
    /// Records `category` for the include pattern that matched, or else for the column when
    /// it is dedicated to that category (`dedicated`: the column's id and its one category), or
    /// else for the context that lends it (`lent`: category and explaining pattern).
    fn add(
        &mut self,
        category: &str,
        include: Option<&str>,
        dedicated: Option<(&str, &str)>,
        lent: &[(&str, String)],
    ) {
        let pattern = match (include, dedicated) {
            (Some(p), _) => p.to_string(),
            (None, Some((col, id))) if id == category => format!("column:{col}"),
            _ => match lent.iter().find(|(c, _)| *c == category) {
                Some((_, why)) => why.clone(),
                None => return,
            },
        };
        self.categories.push(category.to_string());
        self.matched.push(Match {
            category: category.to_string(),
            pattern,
        });
    }
}

/// The column an item was found in, as a prior: a column dedicated to one category (a
/// 财政预决算 column) lends it to every item that no exclude pattern rules out. The
/// department's name and the column's name, where known, lend the category of their field to
/// titles whose wording is ambiguous (a 生态环境局 item about 执法 is environmental; see
/// `context`), explained as `department:NAME` or `column_name:NAME`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ColumnPrior<'a> {
    pub id: &'a str,
    pub categories: &'a [String],
    /// The department's name (`None`: not known).
    pub department: Option<&'a str>,
    /// The column's name (`None`: not known).
    pub name: Option<&'a str>,
}

impl<'a> ColumnPrior<'a> {
    /// The column's id and its category, when it is dedicated to exactly one.
    fn dedicated(self) -> Option<(&'a str, &'a str)> {
        match self.categories {
            [only] => Some((self.id, only.as_str())),
            _ => None,
        }
    }

    /// The categories the department's and the column's names lend to `title`, with why.
    fn lent(self, title: &str) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let sources = [("department", self.department), ("column_name", self.name)];
        for (kind, name) in sources {
            for (cat, why) in context::lent(title, kind, name.unwrap_or_default()) {
                if !out.iter().any(|(c, _)| *c == cat) {
                    out.push((cat, why));
                }
            }
        }
        out
    }
}

/// A fingerprint of everything classification depends on: the catalog's patterns, the context
/// table and the columns' declared categories, names and departments. Stored items are
/// reclassified when it changes.
pub fn fingerprint<'a>(
    catalog: &Catalog,
    columns: impl IntoIterator<Item = ColumnPrior<'a>>,
) -> String {
    let mut text = String::new();
    for cat in &catalog.categories {
        text.push_str(&cat.id);
        for re in &cat.include {
            text.push('\u{1}');
            text.push_str(re.as_str());
        }
        for re in &cat.exclude {
            text.push('\u{2}');
            text.push_str(re.as_str());
        }
        text.push('\n');
    }
    text.push_str(&context::describe());
    text.push('\n');
    let mut cols: Vec<_> = columns
        .into_iter()
        .map(|c| (c.id, c.categories, c.department, c.name))
        .collect();
    cols.sort();
    for (id, cats, department, name) in cols {
        text.push_str(id);
        text.push('=');
        text.push_str(&cats.join(","));
        text.push('\u{3}');
        text.push_str(department.unwrap_or_default());
        text.push('\u{3}');
        text.push_str(name.unwrap_or_default());
        text.push('\n');
    }
    format!("{:016x}", crate::util::fnv1a(text.as_bytes()))
}

/// One pattern of a category, as the classifier finds it.
#[derive(Debug, Clone, Copy)]
enum Pattern {
    /// Text without regex syntax, found among all the catalog's literals in one pass; the
    /// index is its pattern id in the Aho-Corasick automaton.
    Literal(usize),
    /// Anything else: the index is into the regex set.
    Regex(usize),
}

#[derive(Debug, Clone)]
struct CategoryPlan {
    id: String,
    include: Vec<(Pattern, String)>,
    exclude: Vec<Pattern>,
}

/// A catalog's patterns compiled for classifying many titles: every plain-text pattern of every
/// category (most of them) is found in one pass over the title by an Aho-Corasick automaton, the
/// real regexes in one more pass by a [`RegexSet`], and only the categories one of their
/// includes matched (or the column lends) are then looked at.
///
/// Gives exactly what testing each include and exclude regex in catalog order gives.
#[derive(Debug, Clone)]
pub struct Classifier {
    plans: Vec<CategoryPlan>,
    by_id: HashMap<String, usize>,
    /// Every plain-text pattern (`None` if they could not be compiled: all are then regexes).
    literals: Option<AhoCorasick>,
    /// Per literal: the category it is an include of (`None` for an exclude).
    literal_include_of: Vec<Option<usize>>,
    regexes: RegexHits,
    /// Per regex: the category it is an include of (`None` for an exclude).
    regex_include_of: Vec<Option<usize>>,
}

impl Classifier {
    /// Compiles `catalog`'s patterns.
    pub fn new(catalog: &Catalog) -> Classifier {
        let literal_texts: Vec<&str> = catalog
            .categories
            .iter()
            .flat_map(|c| c.include.iter().chain(&c.exclude))
            .map(Regex::as_str)
            .filter(|p| is_literal(p))
            .collect();
        // Building fails only past a size limit: then every pattern is run as the regex it is.
        let literals = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&literal_texts)
            .ok();
        let use_literals = literals.is_some();
        let mut literal_include_of = Vec::new();
        let mut regex_include_of = Vec::new();
        let mut regexes = Vec::new();
        let mut plans = Vec::with_capacity(catalog.categories.len());
        for (ci, cat) in catalog.categories.iter().enumerate() {
            let mut plan = |re: &Regex, include: bool| {
                let owner = include.then_some(ci);
                if use_literals && is_literal(re.as_str()) {
                    literal_include_of.push(owner);
                    Pattern::Literal(literal_include_of.len() - 1)
                } else {
                    regexes.push(re.clone());
                    regex_include_of.push(owner);
                    Pattern::Regex(regexes.len() - 1)
                }
            };
            let include = cat
                .include
                .iter()
                .map(|re| (plan(re, true), re.as_str().to_string()))
                .collect();
            let exclude = cat.exclude.iter().map(|re| plan(re, false)).collect();
            plans.push(CategoryPlan {
                id: cat.id.clone(),
                include,
                exclude,
            });
        }
        // The same patterns as the catalog's regexes, so the same compile always succeeds;
        // were it to fail, they are run one by one.
        let set = RegexSet::new(regexes.iter().map(Regex::as_str)).ok();
        Classifier {
            by_id: plans
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.clone(), i))
                .collect(),
            plans,
            literals,
            literal_include_of,
            regexes: RegexHits { set, each: regexes },
            regex_include_of,
        }
    }

    /// Classifies one title, as [`classify`] does with the catalog this was compiled from.
    pub fn classify(&self, title: &str, column: Option<ColumnPrior<'_>>) -> Classification {
        let dedicated = column.and_then(ColumnPrior::dedicated);
        // Categories an include matched: the only ones that can come out, with the column's.
        let mut candidates = Bits::new(self.plans.len());
        let mut literal_hits = Bits::new(self.literal_include_of.len());
        if let Some(literals) = &self.literals {
            for m in literals.find_overlapping_iter(title) {
                let i = m.pattern().as_usize();
                literal_hits.set(i);
                if let Some(Some(c)) = self.literal_include_of.get(i) {
                    candidates.set(*c);
                }
            }
        }
        let regex_hits = self.regexes.matches(title);
        match &regex_hits {
            RegexMatches::Set(m) => {
                for i in m.iter() {
                    if let Some(Some(c)) = self.regex_include_of.get(i) {
                        candidates.set(*c);
                    }
                }
            }
            RegexMatches::Each(..) => {
                for c in self.regex_include_of.iter().flatten() {
                    candidates.set(*c);
                }
            }
        }
        if let Some(c) = dedicated.and_then(|(_, id)| self.by_id.get(id)) {
            candidates.set(*c);
        }
        let lent = column.map(|c| c.lent(title)).unwrap_or_default();
        for (cat, _) in &lent {
            if let Some(c) = self.by_id.get(*cat) {
                candidates.set(*c);
            }
        }
        let hit = |p: &Pattern| match *p {
            Pattern::Literal(i) => literal_hits.get(i),
            Pattern::Regex(i) => regex_hits.matched(i),
        };
        let mut out = Classification::default();
        for (ci, cat) in self.plans.iter().enumerate() {
            if !candidates.get(ci) || cat.exclude.iter().any(hit) {
                continue;
            }
            let include = cat.include.iter().find(|(p, _)| hit(p));
            out.add(
                &cat.id,
                include.map(|(_, text)| text.as_str()),
                dedicated,
                &lent,
            );
        }
        out
    }
}

/// A small bit set (which patterns matched, which categories are candidates).
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)])
    }

    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// The catalog's real regexes: one pass of a set over a title tells which match.
#[derive(Debug, Clone)]
struct RegexHits {
    set: Option<RegexSet>,
    each: Vec<Regex>,
}

/// Which of [`RegexHits`] match one title.
enum RegexMatches<'a> {
    Set(regex::SetMatches),
    Each(&'a [Regex], &'a str),
}

impl RegexHits {
    fn matches<'a>(&'a self, title: &'a str) -> RegexMatches<'a> {
        match &self.set {
            Some(set) => RegexMatches::Set(set.matches(title)),
            None => RegexMatches::Each(&self.each, title),
        }
    }
}

impl RegexMatches<'_> {
    fn matched(&self, i: usize) -> bool {
        match self {
            RegexMatches::Set(m) => m.matched(i),
            RegexMatches::Each(each, title) => each.get(i).is_some_and(|re| re.is_match(title)),
        }
    }
}

/// Whether a pattern is plain text: no character that means anything to the regex syntax, so
/// it matches exactly where the text occurs.
fn is_literal(pattern: &str) -> bool {
    !pattern.is_empty()
        && !pattern.chars().any(|c| {
            matches!(
                c,
                '\\' | '.'
                    | '+'
                    | '*'
                    | '?'
                    | '('
                    | ')'
                    | '|'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '^'
                    | '$'
                    | '#'
                    | '&'
                    | '-'
                    | '~'
            ) || c.is_whitespace()
        })
}

/// Classifies one title: every category's excludes, then its includes, tested in catalog order.
///
/// This is the definition; a [`Classifier`] gives the same answer faster to callers that
/// classify many titles against one catalog (a crawl, a reclassification).
pub fn classify(title: &str, column: Option<ColumnPrior<'_>>, catalog: &Catalog) -> Classification {
    let dedicated = column.and_then(ColumnPrior::dedicated);
    let lent = column.map(|c| c.lent(title)).unwrap_or_default();
    let mut out = Classification::default();
    for cat in &catalog.categories {
        if cat.exclude.iter().any(|re| re.is_match(title)) {
            continue;
        }
        let include = cat.include.iter().find(|re| re.is_match(title));
        out.add(&cat.id, include.map(Regex::as_str), dedicated, &lent);
    }
    out
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;
    use crate::catalog::Category;

    fn cat(id: &str, include: &[&str], exclude: &[&str]) -> Category {
        let re = |p: &&str| Regex::new(p).expect("test regex");
        Category {
            id: id.into(),
            name: id.into(),
            tasks: vec![],
            include: include.iter().map(re).collect(),
            exclude: exclude.iter().map(re).collect(),
            expect: None,
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            categories: vec![
                cat("budget_final", &["部门预算", "部门决算"], &["审计"]),
                cat("policy_interpretation", &["解读", "一图读懂"], &[]),
                cat("enterprise_policy", &["企业"], &[]),
            ],
            tasks: vec![],
        }
    }

    #[test]
    fn patterns_include_exclude_and_explain() {
        let c = catalog();
        let got = classify("关于《洮北区支持中小企业发展若干措施》的解读", None, &c);
        assert_eq!(
            got.categories,
            ["policy_interpretation", "enterprise_policy"]
        );
        assert_eq!(got.matched[0].pattern, "解读");
        assert!(
            classify("区财政局2023年部门预算执行审计报告", None, &c)
                .categories
                .is_empty()
        );
        assert!(classify("区长调研春耕生产", None, &c).categories.is_empty());
    }

    /// The shipped catalog and every labelled real title and simulated title: the compiled
    /// classifier agrees with testing each regex in order, with and without a column prior.
    #[test]
    fn the_compiled_classifier_agrees_with_the_definition() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let catalog = crate::config::load_catalog(None).expect("catalog");
        let labelled = std::fs::read_to_string(root.join("tests/data/classify_titles.tsv"))
            .expect("labelled titles");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let site = crate::sim::SimSite::generated(today, 4, 8, 1, 20, 3);
        let mut titles: Vec<String> = labelled
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .map(str::to_string)
            .collect();
        titles.extend(
            site.columns()
                .iter()
                .flat_map(|c| c.items.iter().map(|i| i.title.clone())),
        );
        titles.extend(["", "！", "区长调研春耕生产", "重大建设项目", "卫生"].map(String::from));
        let compiled = Classifier::new(&catalog);
        let mut categorised = 0;
        for (k, title) in titles.iter().enumerate() {
            let cats = catalog
                .categories
                .get(k % catalog.categories.len())
                .map(|c| vec![c.id.clone()])
                .unwrap_or_default();
            for prior in [
                None,
                Some(ColumnPrior {
                    id: "col",
                    categories: &cats,
                    ..ColumnPrior::default()
                }),
                Some(ColumnPrior {
                    department: Some("区生态环境局"),
                    name: Some("农业农村"),
                    ..ColumnPrior::default()
                }),
            ] {
                let want = classify(title, prior, &catalog);
                assert_eq!(compiled.classify(title, prior), want, "{title}");
                categorised += usize::from(!want.categories.is_empty());
            }
        }
        assert!(
            categorised > titles.len() / 2,
            "{categorised} of {}",
            titles.len()
        );
    }

    #[test]
    fn a_dedicated_column_lends_its_category() {
        let c = catalog();
        let declared = vec!["budget_final".to_string()];
        let prior = ColumnPrior {
            id: "czj-yjs",
            categories: &declared,
            ..ColumnPrior::default()
        };
        let got = classify("洮北区2023年“三公”经费说明", Some(prior), &c);
        assert_eq!(got.categories, ["budget_final"]);
        assert_eq!(got.matched[0].pattern, "column:czj-yjs");
        // An exclude still wins.
        assert!(
            classify("预算执行审计结果", Some(prior), &c)
                .categories
                .is_empty()
        );
        // A column that declares several categories lends none.
        let many = vec!["budget_final".to_string(), "enterprise_policy".to_string()];
        let prior = ColumnPrior {
            id: "x",
            categories: &many,
            ..ColumnPrior::default()
        };
        assert!(classify("通知", Some(prior), &c).categories.is_empty());
    }

    /// The department's name lends its field's category to an ambiguous title only, and says so.
    #[test]
    fn a_department_lends_its_field_to_ambiguous_titles() {
        let c = Catalog {
            categories: vec![
                cat("environment", &["污染"], &["名单"]),
                cat("agri_subsidy", &["农机购置"], &[]),
            ],
            tasks: vec![],
        };
        let env = ColumnPrior {
            department: Some("区生态环境局"),
            ..ColumnPrior::default()
        };
        let got = classify(
            "关于开展2022年“双随机、一公开”执法监管工作的通知",
            Some(env),
            &c,
        );
        assert_eq!(got.categories, ["environment"]);
        assert_eq!(got.matched[0].pattern, "department:区生态环境局");
        // No ambiguous word: nothing lent; an exclude still wins.
        assert!(
            classify("区长调研春耕生产", Some(env), &c)
                .categories
                .is_empty()
        );
        assert!(
            classify("执法标兵名单", Some(env), &c)
                .categories
                .is_empty()
        );
        // Another department's field is not lent; a column's name lends like a department's.
        let health = ColumnPrior {
            department: Some("区卫生健康局"),
            ..ColumnPrior::default()
        };
        assert!(
            classify("行政执法公示", Some(health), &c)
                .categories
                .is_empty()
        );
        let col = ColumnPrior {
            name: Some("农业农村 补贴公示"),
            ..ColumnPrior::default()
        };
        let got = classify("2024年种植大户补助发放表", Some(col), &c);
        assert_eq!(got.matched[0].pattern, "column_name:农业农村 补贴公示");
        // The compiled classifier gives the same.
        let compiled = Classifier::new(&c);
        for (t, p) in [("行政执法公示", env), ("2024年种植大户补助发放表", col)] {
            assert_eq!(compiled.classify(t, Some(p)), classify(t, Some(p), &c));
        }
    }
}
