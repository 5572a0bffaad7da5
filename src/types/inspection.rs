//! The 19号 verdict (国办秘函〔2019〕19号): each site's 单项否决 items counted against their
//! lines, with the evidence behind each count (evaluate → store, report, CLI). The probe
//! items (home page unreachable, home page not updated) and the column items (key columns
//! stale, columns long stale, blank columns) are produced apart and judged together here.

use serde::Serialize;

/// Where one item stands against its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Below the early-warning line.
    Ok,
    /// Past the early-warning line (预警), not yet at the veto.
    Warning,
    /// At the veto line (单项否决).
    Veto,
}

impl Level {
    /// What staff read.
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "正常",
            Level::Warning => "预警",
            Level::Veto => "单项否决",
        }
    }
}

/// A site's verdict: its worst item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 合格: no item past its early-warning line.
    Pass,
    /// 预警: an item past its early-warning line, none at its veto.
    Warning,
    /// 单项否决: an item at its veto line.
    Veto,
}

impl Verdict {
    /// The verdict of a site's items.
    pub fn of(items: &[InspectionItem]) -> Verdict {
        match items.iter().map(|i| i.level).max() {
            Some(Level::Veto) => Verdict::Veto,
            Some(Level::Warning) => Verdict::Warning,
            _ => Verdict::Pass,
        }
    }

    /// What staff read.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "合格",
            Verdict::Warning => "预警",
            Verdict::Veto => "单项否决",
        }
    }
}

/// The items of 19号's 单项否决 that gkwatch counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 站点无法访问: the share of failed home-page probes over the week.
    Unreachable,
    /// 首页不更新: days since the home page last showed something new.
    HomepageStale,
    /// 栏目不更新 (1): 动态 columns stale 2 weeks plus 通知公告/政策文件 columns stale 6 months.
    KeyColumnsStale,
    /// 栏目不更新 (2): columns that should be updated and are long stale.
    LongStale,
    /// 栏目不更新 (3): blank columns (an explained blank is tolerated and not counted).
    BlankColumns,
}

impl ItemKind {
    /// What staff read.
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Unreachable => "站点无法访问",
            ItemKind::HomepageStale => "首页不更新",
            ItemKind::KeyColumnsStale => "动态、通知公告、政策文件栏目不更新",
            ItemKind::LongStale => "应更新栏目长期未更新",
            ItemKind::BlankColumns => "空白栏目",
        }
    }
}

/// What an item counts, in its own unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum Measure {
    /// Failed probes of all probes (filed-outage probes are neither).
    Rate { failed: u64, of: u64 },
    /// Days (since the home page's last update); `None`: never seen updated.
    Days { days: Option<i64> },
    /// Columns.
    Count { count: u64 },
}

impl Measure {
    /// The measure as staff read it (`4.2%（28/672）`, `11 天`, `6 个`).
    pub fn display(&self) -> String {
        match self {
            Measure::Rate { failed, of } if *of > 0 => {
                format!(
                    "{:.1}%（{failed}/{of}）",
                    *failed as f64 * 100.0 / *of as f64
                )
            }
            Measure::Rate { .. } => "无探测记录".to_string(),
            Measure::Days { days: Some(d) } => format!("{d} 天"),
            Measure::Days { days: None } => "从未更新".to_string(),
            Measure::Count { count } => format!("{count} 个"),
        }
    }
}

/// One thing behind a count: a column, a probe, a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemEvidence {
    /// What it is, for staff (`工作动态（最新 2026-10-01，已 62 天）`).
    pub label: String,
    /// The column's id where it is a column.
    pub column_id: Option<String>,
    pub url: Option<String>,
}

/// One 单项否决 item of one site, counted against its lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionItem {
    pub kind: ItemKind,
    pub measure: Measure,
    /// The early-warning line, in the measure's unit, as staff read it (`> 3%`, `≥ 10 天`).
    pub warn_line: String,
    /// The veto line, as staff read it (`≥ 5%`, `≥ 14 天`).
    pub veto_line: String,
    pub level: Level,
    pub evidence: Vec<ItemEvidence>,
}

/// A site and its items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteVerdict {
    pub department: String,
    pub home_url: String,
    pub items: Vec<InspectionItem>,
    pub verdict: Verdict,
}

impl SiteVerdict {
    /// A site's verdict from its items.
    pub fn new(department: String, home_url: String, items: Vec<InspectionItem>) -> SiteVerdict {
        let verdict = Verdict::of(&items);
        SiteVerdict {
            department,
            home_url,
            items,
            verdict,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(level: Level) -> InspectionItem {
        InspectionItem {
            kind: ItemKind::BlankColumns,
            measure: Measure::Count { count: 1 },
            warn_line: String::new(),
            veto_line: String::new(),
            level,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn a_site_takes_its_worst_item() {
        let cases = [
            (vec![], Verdict::Pass),
            (vec![Level::Ok, Level::Ok], Verdict::Pass),
            (vec![Level::Ok, Level::Warning], Verdict::Warning),
            (vec![Level::Veto, Level::Warning], Verdict::Veto),
        ];
        for (levels, want) in cases {
            let items: Vec<_> = levels.into_iter().map(item).collect();
            assert_eq!(Verdict::of(&items), want, "{items:?}");
        }
    }

    #[test]
    fn measures_read_as_staff_expect() {
        assert_eq!(
            Measure::Rate {
                failed: 28,
                of: 672
            }
            .display(),
            "4.2%（28/672）"
        );
        assert_eq!(Measure::Rate { failed: 0, of: 0 }.display(), "无探测记录");
        assert_eq!(Measure::Days { days: Some(11) }.display(), "11 天");
        assert_eq!(Measure::Days { days: None }.display(), "从未更新");
        assert_eq!(Measure::Count { count: 6 }.display(), "6 个");
    }
}
