//! Policy findings: a 规范性文件 without its 政策解读 within 3 working days, and items
//! published more than 20 working days after their 成文日期.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{Datelike, NaiveDate};

use super::{EvaluateOptions, Evidence, Facts, Finding, ItemFacts, Severity, evidence};
use crate::calendar::{Calendar, Computed};
use crate::catalog::Catalog;
use crate::types::Precision;

const POLICY: &str = "normative_docs";
const INTERPRETATION: &str = "policy_interpretation";

/// The name a policy is known by: the text inside its first 《》, else the title without
/// 关于印发… 的通知.
pub(crate) fn policy_subject(title: &str) -> String {
    if let Some(start) = title.find('《')
        && let Some(len) = title[start..].find('》')
    {
        return title[start + '《'.len_utf8()..start + len]
            .trim()
            .to_string();
    }
    let mut t = title.trim();
    for prefix in ["关于印发", "关于发布", "关于"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest;
            break;
        }
    }
    for suffix in ["的通知", "的决定", "的公告", "的意见"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest;
            break;
        }
    }
    t.trim().to_string()
}

/// Whether a policy document asks for a 解读: any 规范性文件 made or changed, not a repeal,
/// a clean-up list or a catalogue.
pub(crate) fn needs_interpretation(title: &str) -> bool {
    const NOT: &[&str] = &["废止", "清理", "目录", "有效性", "失效", "征求意见", "解读"];
    !NOT.iter().any(|w| title.contains(w))
}

/// Whether `interpretation` explains the policy called `subject`: the definition that
/// [`Candidates`] applies to many subjects at once.
#[cfg(test)]
pub(crate) fn interprets(interpretation: &str, subject: &str) -> bool {
    if subject.chars().count() < 4 {
        return false;
    }
    let named = policy_subject(interpretation);
    named == subject || interpretation.contains(subject)
}

fn has(item: &ItemFacts, category: &str) -> bool {
    item.categories.iter().any(|c| &**c == category)
}

fn day_date(item: &ItemFacts) -> Option<NaiveDate> {
    item.published
        .filter(|_| item.precision != Some(Precision::Month))
}

/// The 解读 rule across the district: a policy's interpretation may come from another
/// department (the government office explaining a bureau's 规范性文件), so each part's
/// policies past their deadline and every part's interpretations are kept ([`Pending::add`],
/// a few strings each, never the items) and judged together once every part was read
/// ([`Pending::judge`]).
#[derive(Default)]
pub(super) struct Pending {
    overdue: Vec<Overdue>,
    interpretations: Vec<Interpretation>,
}

/// A 规范性文件 published on a day, not interpreted by its department within its time.
struct Overdue {
    department: std::sync::Arc<str>,
    column: std::sync::Arc<str>,
    title: String,
    url: String,
    published: NaiveDate,
    deadline: Computed<NaiveDate>,
    subject: String,
}

/// What the 解读 rule needs of an interpretation.
#[derive(Debug, Clone)]
pub(crate) struct Interpretation {
    /// The item's id, for the tests to tell interpretations apart.
    #[cfg(test)]
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) published: Option<NaiveDate>,
}

impl Interpretation {
    pub(crate) fn of(item: &ItemFacts) -> Interpretation {
        Interpretation {
            #[cfg(test)]
            id: item.id,
            title: item.title.clone(),
            url: item.url.clone(),
            published: item.published,
        }
    }
}

impl Pending {
    /// Judges a part's items by the rules of their own (late publication) and keeps what the
    /// 解读 rule needs of them.
    pub(super) fn add(
        &mut self,
        facts: &Facts,
        catalog: &Catalog,
        calendar: &Calendar,
        opts: &EvaluateOptions,
        out: &mut Vec<Finding>,
    ) {
        self.interpretations.extend(
            facts
                .items
                .iter()
                .filter(|i| has(i, INTERPRETATION))
                .map(Interpretation::of),
        );
        self.overdue.extend(overdue(facts, calendar, opts));
        late_publication(facts, catalog, calendar, opts, out);
    }

    /// The 解读 rule over every part added.
    pub(super) fn judge(self, catalog: &Catalog, opts: &EvaluateOptions, out: &mut Vec<Finding>) {
        let candidates = Candidates::new(
            &self.interpretations,
            self.overdue.iter().map(|o| o.subject.as_str()),
        );
        for policy in &self.overdue {
            if let Some(f) = interpretation_missing(policy, &candidates, catalog, opts) {
                out.push(f);
            }
        }
    }
}

/// The part's 规范性文件 of this year and the last (the task list is yearly: not history)
/// whose 解读 time is over, and which are not 解读 themselves.
fn overdue<'f>(
    facts: &'f Facts,
    calendar: &'f Calendar,
    opts: &'f EvaluateOptions,
) -> impl Iterator<Item = Overdue> + 'f {
    let since = NaiveDate::from_ymd_opt(opts.today.year() - 1, 1, 1);
    facts
        .items
        .iter()
        .filter(|i| has(i, POLICY) && !has(i, INTERPRETATION))
        .filter_map(move |policy| {
            let published = day_date(policy)?;
            if published < since? || published > opts.today || !needs_interpretation(&policy.title)
            {
                return None;
            }
            let deadline = calendar.add_working_days(published, opts.interpretation_days);
            // Still within its time?
            (deadline.value < opts.today).then(|| Overdue {
                department: std::sync::Arc::clone(&policy.department),
                column: std::sync::Arc::clone(&policy.column_id),
                title: policy.title.clone(),
                url: policy.url.clone(),
                published,
                deadline,
                subject: policy_subject(&policy.title),
            })
        })
}

/// The finding for a policy past its 解读 time, unless an interpretation came in time.
fn interpretation_missing(
    policy: &Overdue,
    candidates: &Candidates<'_>,
    catalog: &Catalog,
    opts: &EvaluateOptions,
) -> Option<Finding> {
    let (published, deadline) = (policy.published, policy.deadline);
    // An interpretation published before the policy explains an earlier version of it; the
    // first one published since is on time or late.
    let late = candidates.first_from(&policy.subject, published);
    if late.is_some_and(|(d, _)| d <= deadline.value) {
        return None;
    }
    let estimated = if deadline.estimated {
        "（节假日数据未覆盖该年份，按周一至周五估算）"
    } else {
        ""
    };
    let message = match late {
        Some((d, interp)) => format!(
            "【{}】《{}》（{} 发布）的政策解读《{}》于 {} 才发布，超过 {} 个工作日的要求（最迟 {}）{}。",
            policy.department,
            policy.title,
            published,
            interp.title,
            d,
            opts.interpretation_days,
            deadline.value,
            estimated
        ),
        None => format!(
            "【{}】《{}》（{} 发布）未见配套政策解读，应在 {} 个工作日内（最迟 {}）发布{}。",
            policy.department,
            policy.title,
            published,
            opts.interpretation_days,
            deadline.value,
            estimated
        ),
    };
    Some(Finding {
        key: format!("interpretation_missing:{}", policy.url),
        department: policy.department.to_string(),
        column: Some(policy.column.to_string()),
        task: catalog.task_for(INTERPRETATION).map(|t| t.number),
        severity: if late.is_some() {
            Severity::Low
        } else {
            Severity::Medium
        },
        message,
        evidence: Evidence::InterpretationMissing(evidence::InterpretationMissing {
            policy_title: policy.title.clone(),
            policy_url: policy.url.clone(),
            policy_published: published,
            subject: policy.subject.clone(),
            deadline: deadline.value,
            calendar_estimated: deadline.estimated,
            interpretation: late.map(|(d, i)| evidence::LinkedItem {
                title: i.title.clone(),
                url: i.url.clone(),
                published: d,
            }),
        }),
    })
}

/// The interpretations that [`interprets`] a policy subject, for many subjects at once:
/// testing every interpretation against every policy is quadratic (a province has tens of
/// thousands of each), so the subjects are found in all interpretation titles in one pass of an
/// Aho-Corasick automaton, and exact names through a map.
pub(crate) struct Candidates<'a> {
    interpretations: &'a [Interpretation],
    /// Per subject: the interpretations whose title contains it or whose own subject it is,
    /// in the interpretations' order, each once.
    #[cfg(test)]
    by_subject: HashMap<String, Vec<usize>>,
    /// Per subject: the dated ones of those, by publication day (then in their order).
    dated: HashMap<String, Vec<(NaiveDate, usize)>>,
}

impl<'a> Candidates<'a> {
    pub(crate) fn new<'s>(
        interpretations: &'a [Interpretation],
        subjects: impl Iterator<Item = &'s str>,
    ) -> Self {
        let mut patterns: Vec<&str> = subjects.filter(|s| s.chars().count() >= 4).collect();
        patterns.sort_unstable();
        patterns.dedup();
        let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
        let named: HashMap<String, Vec<usize>> =
            interpretations
                .iter()
                .enumerate()
                .fold(HashMap::new(), |mut m, (k, i)| {
                    m.entry(policy_subject(&i.title)).or_default().push(k);
                    m
                });
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok();
        for (k, interp) in interpretations.iter().enumerate() {
            match &automaton {
                Some(ac) => {
                    for m in ac.find_overlapping_iter(interp.title.as_str()) {
                        if let Some(p) = patterns.get(m.pattern().as_usize()) {
                            let list = by_subject.entry((*p).to_string()).or_default();
                            if list.last() != Some(&k) {
                                list.push(k);
                            }
                        }
                    }
                }
                // Only past the automaton's size limit: test each subject in turn.
                None => {
                    for p in &patterns {
                        if interp.title.contains(p) {
                            by_subject.entry((*p).to_string()).or_default().push(k);
                        }
                    }
                }
            }
        }
        for p in &patterns {
            if let Some(exact) = named.get(*p) {
                let list = by_subject.entry((*p).to_string()).or_default();
                list.extend(exact);
                list.sort_unstable();
                list.dedup();
            }
        }
        let dated = by_subject
            .iter()
            .map(|(subject, ks)| {
                let mut days: Vec<(NaiveDate, usize)> = ks
                    .iter()
                    .filter_map(|k| Some((interpretations.get(*k)?.published?, *k)))
                    .collect();
                days.sort_unstable();
                (subject.clone(), days)
            })
            .collect();
        Candidates {
            interpretations,
            #[cfg(test)]
            by_subject,
            dated,
        }
    }

    /// The first interpretation of `subject` published on `day` or later, with its day: a
    /// binary search, where filtering [`Candidates::of`] would make a district whose policies
    /// share a name quadratic.
    pub(crate) fn first_from(
        &self,
        subject: &str,
        day: NaiveDate,
    ) -> Option<(NaiveDate, &'a Interpretation)> {
        let days = self.dated.get(subject)?;
        let (d, k) = days.get(days.partition_point(|(d, _)| *d < day))?;
        Some((*d, self.interpretations.get(*k)?))
    }

    /// The interpretations of `subject`, as testing each with [`interprets`] would find them.
    #[cfg(test)]
    pub(crate) fn of(&self, subject: &str) -> impl Iterator<Item = &'a Interpretation> + '_ {
        self.by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter_map(|k| self.interpretations.get(*k))
    }
}

fn late_publication(
    facts: &Facts,
    catalog: &Catalog,
    calendar: &Calendar,
    opts: &EvaluateOptions,
    out: &mut Vec<Finding>,
) {
    let Some(since) = NaiveDate::from_ymd_opt(opts.today.year() - 1, 1, 1) else {
        return;
    };
    for item in &facts.items {
        let (Some(written), Some(published)) = (item.written, day_date(item)) else {
            continue;
        };
        if published < since || written > published {
            continue;
        }
        let days = calendar.working_days_between(written, published);
        if days.value <= opts.publication_days {
            continue;
        }
        out.push(Finding {
            key: format!("late_publication:{}", item.url),
            department: item.department.to_string(),
            column: Some(item.column_id.to_string()),
            task: item
                .categories
                .iter()
                .find_map(|c| catalog.task_for(c))
                .map(|t| t.number),
            severity: Severity::Low,
            message: format!(
                "【{}】《{}》成文于 {}，{} 才公开，间隔 {} 个工作日，超过 {} 个工作日的要求{}。",
                item.department,
                item.title,
                written,
                published,
                days.value,
                opts.publication_days,
                if days.estimated {
                    "（节假日数据未覆盖该年份，按周一至周五估算）"
                } else {
                    ""
                }
            ),
            evidence: Evidence::LatePublication(evidence::LatePublication {
                title: item.title.clone(),
                url: item.url.clone(),
                written,
                published,
                working_days: days.value,
                calendar_estimated: days.estimated,
            }),
        });
    }
}
