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

pub(super) fn judge(
    facts: &Facts,
    catalog: &Catalog,
    calendar: &Calendar,
    opts: &EvaluateOptions,
    out: &mut Vec<Finding>,
) {
    interpretation_missing(facts, catalog, calendar, opts, out);
    late_publication(facts, catalog, calendar, opts, out);
}

fn interpretation_missing(
    facts: &Facts,
    catalog: &Catalog,
    calendar: &Calendar,
    opts: &EvaluateOptions,
    out: &mut Vec<Finding>,
) {
    let interpretations: Vec<&ItemFacts> = facts
        .items
        .iter()
        .filter(|i| has(i, INTERPRETATION))
        .collect();
    // The task list is yearly: policies of this year and the last are checked, not history.
    let Some(since) = NaiveDate::from_ymd_opt(opts.today.year() - 1, 1, 1) else {
        return;
    };
    let overdue: Vec<(&ItemFacts, NaiveDate, Computed<NaiveDate>, String)> = facts
        .items
        .iter()
        .filter(|i| has(i, POLICY) && !has(i, INTERPRETATION))
        .filter_map(|policy| {
            let published = day_date(policy)?;
            if published < since || published > opts.today || !needs_interpretation(&policy.title) {
                return None;
            }
            let deadline = calendar.add_working_days(published, opts.interpretation_days);
            // Still within its time?
            (deadline.value < opts.today)
                .then(|| (policy, published, deadline, policy_subject(&policy.title)))
        })
        .collect();
    let candidates = Candidates::new(&interpretations, overdue.iter().map(|o| o.3.as_str()));
    for (policy, published, deadline, subject) in &overdue {
        let (published, deadline) = (*published, *deadline);
        // An interpretation published before the policy explains an earlier version of it;
        // the first one published since is on time or late.
        let first = candidates.first_from(subject, published);
        if first.is_some_and(|(d, _)| d <= deadline.value) {
            continue;
        }
        let late = first;
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
        out.push(Finding {
            key: format!("interpretation_missing:{}", policy.url),
            department: policy.department.to_string(),
            column: Some(policy.column_id.to_string()),
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
                subject: subject.to_string(),
                deadline: deadline.value,
                calendar_estimated: deadline.estimated,
                interpretation: late.map(|(d, i)| evidence::LinkedItem {
                    title: i.title.clone(),
                    url: i.url.clone(),
                    published: d,
                }),
            }),
        });
    }
}

/// The interpretations that [`interprets`] a policy subject, for many subjects at once:
/// testing every interpretation against every policy is quadratic (a province has tens of
/// thousands of each), so the subjects are found in all interpretation titles in one pass of an
/// Aho-Corasick automaton, and exact names through a map.
pub(crate) struct Candidates<'a> {
    interpretations: Vec<&'a ItemFacts>,
    /// Per subject: the interpretations whose title contains it or whose own subject it is,
    /// in the interpretations' order, each once.
    #[cfg(test)]
    by_subject: HashMap<String, Vec<usize>>,
    /// Per subject: the dated ones of those, by publication day (then in their order).
    dated: HashMap<String, Vec<(NaiveDate, usize)>>,
}

impl<'a> Candidates<'a> {
    pub(crate) fn new<'s>(
        interpretations: &[&'a ItemFacts],
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
            interpretations: interpretations.to_vec(),
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
    ) -> Option<(NaiveDate, &'a ItemFacts)> {
        let days = self.dated.get(subject)?;
        let (d, k) = days.get(days.partition_point(|(d, _)| *d < day))?;
        Some((*d, *self.interpretations.get(*k)?))
    }

    /// The interpretations of `subject`, as testing each with [`interprets`] would find them.
    #[cfg(test)]
    pub(crate) fn of(&self, subject: &str) -> impl Iterator<Item = &'a ItemFacts> + '_ {
        self.by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter_map(|k| self.interpretations.get(*k).copied())
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
