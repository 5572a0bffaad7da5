//! Findings as evaluation makes them and the store keeps them: kinds, severities, whose they
//! are, each kind's evidence, and a stored finding's history and waiver.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Kinds of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    StaleColumn,
    BlankColumn,
    UnreachableColumn,
    SelectorBroken,
    PartialColumn,
    MissingCategory,
    InterpretationMissing,
    LatePublication,
    MissingColumn,
    PrivacyLeak,
    AttachmentUnreachable,
}

impl FindingKind {
    pub const ALL: [FindingKind; 11] = [
        FindingKind::StaleColumn,
        FindingKind::BlankColumn,
        FindingKind::UnreachableColumn,
        FindingKind::SelectorBroken,
        FindingKind::PartialColumn,
        FindingKind::MissingCategory,
        FindingKind::InterpretationMissing,
        FindingKind::LatePublication,
        FindingKind::MissingColumn,
        FindingKind::PrivacyLeak,
        FindingKind::AttachmentUnreachable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::StaleColumn => "stale_column",
            FindingKind::BlankColumn => "blank_column",
            FindingKind::UnreachableColumn => "unreachable_column",
            FindingKind::SelectorBroken => "selector_broken",
            FindingKind::PartialColumn => "partial_column",
            FindingKind::MissingCategory => "missing_category",
            FindingKind::InterpretationMissing => "interpretation_missing",
            FindingKind::LatePublication => "late_publication",
            FindingKind::MissingColumn => "missing_column",
            FindingKind::PrivacyLeak => "privacy_leak",
            FindingKind::AttachmentUnreachable => "attachment_unreachable",
        }
    }

    pub fn parse(s: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the kind is a duty of the department beyond freshness (a category, a 解读, a
    /// publication delay, a column it must keep): the report's 应公开事项 section, for the
    /// findings that are the department's ([`Finding::audience`]).
    pub fn is_duty(self) -> bool {
        matches!(
            self,
            FindingKind::MissingCategory
                | FindingKind::InterpretationMissing
                | FindingKind::LatePublication
                | FindingKind::MissingColumn
        )
    }

    /// Chinese label for reports and tables.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::StaleColumn => "栏目更新不及时",
            FindingKind::BlankColumn => "空白栏目",
            FindingKind::UnreachableColumn => "栏目无法访问",
            FindingKind::SelectorBroken => "采集规则失效",
            FindingKind::PartialColumn => "栏目未能读全",
            FindingKind::MissingCategory => "应公开信息缺失",
            FindingKind::InterpretationMissing => "政策解读缺失",
            FindingKind::LatePublication => "公开不及时",
            FindingKind::MissingColumn => "缺少应设栏目",
            FindingKind::PrivacyLeak => "公开内容含个人信息",
            FindingKind::AttachmentUnreachable => "附件无法下载",
        }
    }

    /// Whose problem a finding of the kind is by default: the department's, or whoever runs
    /// gkwatch. A `missing_column` is the operator's until the targets file confirms the
    /// department's columns (`expected_confirmed`): [`Finding::audience`] says which.
    pub fn audience(self) -> Audience {
        match self {
            FindingKind::UnreachableColumn
            | FindingKind::SelectorBroken
            | FindingKind::PartialColumn
            | FindingKind::MissingColumn => Audience::Operator,
            _ => Audience::Department,
        }
    }
}

/// Who has to act on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Department,
    Operator,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Department => "department",
            Audience::Operator => "operator",
        }
    }
}

/// How bad a finding is; ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Low, Severity::Medium, Severity::High]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Chinese label for reports and tables.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
        }
    }
}

/// One problem found. Its kind is its evidence's: the two cannot disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Identity across evaluations: the same condition keeps the same key.
    pub key: String,
    pub department: String,
    pub column: Option<String>,
    /// The seed task it comes from.
    pub task: Option<u32>,
    pub severity: Severity,
    /// For staff, in Chinese.
    pub message: String,
    pub evidence: Evidence,
}

impl Finding {
    pub fn kind(&self) -> FindingKind {
        self.evidence.kind()
    }

    /// Whose problem it is: the kind's audience, except a confirmed `missing_column`, which
    /// is the department's.
    pub fn audience(&self) -> Audience {
        match &self.evidence {
            Evidence::MissingColumn(e) if e.confirmed => Audience::Department,
            e => e.kind().audience(),
        }
    }
}

/// What a finding rests on, one shape per kind. Stored and printed as the JSON object of its
/// fields (no tag: the finding's kind says which shape it is).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    StaleColumn(StaleColumn),
    BlankColumn(BlankColumn),
    UnreachableColumn(UnreachableColumn),
    SelectorBroken(SelectorBroken),
    PartialColumn(PartialColumn),
    MissingCategory(MissingCategory),
    InterpretationMissing(InterpretationMissing),
    LatePublication(LatePublication),
    MissingColumn(MissingColumn),
    PrivacyLeak(PrivacyLeak),
    AttachmentUnreachable(AttachmentUnreachable),
}

impl Evidence {
    pub fn kind(&self) -> FindingKind {
        match self {
            Evidence::StaleColumn(_) => FindingKind::StaleColumn,
            Evidence::BlankColumn(_) => FindingKind::BlankColumn,
            Evidence::UnreachableColumn(_) => FindingKind::UnreachableColumn,
            Evidence::SelectorBroken(_) => FindingKind::SelectorBroken,
            Evidence::PartialColumn(_) => FindingKind::PartialColumn,
            Evidence::MissingCategory(_) => FindingKind::MissingCategory,
            Evidence::InterpretationMissing(_) => FindingKind::InterpretationMissing,
            Evidence::LatePublication(_) => FindingKind::LatePublication,
            Evidence::MissingColumn(_) => FindingKind::MissingColumn,
            Evidence::PrivacyLeak(_) => FindingKind::PrivacyLeak,
            Evidence::AttachmentUnreachable(_) => FindingKind::AttachmentUnreachable,
        }
    }

    /// Reads the stored JSON of a finding of `kind`.
    pub fn from_json(kind: FindingKind, json: &str) -> Result<Evidence, serde_json::Error> {
        Ok(match kind {
            FindingKind::StaleColumn => Evidence::StaleColumn(serde_json::from_str(json)?),
            FindingKind::BlankColumn => Evidence::BlankColumn(serde_json::from_str(json)?),
            FindingKind::UnreachableColumn => {
                Evidence::UnreachableColumn(serde_json::from_str(json)?)
            }
            FindingKind::SelectorBroken => Evidence::SelectorBroken(serde_json::from_str(json)?),
            FindingKind::PartialColumn => Evidence::PartialColumn(serde_json::from_str(json)?),
            FindingKind::MissingCategory => Evidence::MissingCategory(serde_json::from_str(json)?),
            FindingKind::InterpretationMissing => {
                Evidence::InterpretationMissing(serde_json::from_str(json)?)
            }
            FindingKind::LatePublication => Evidence::LatePublication(serde_json::from_str(json)?),
            FindingKind::MissingColumn => Evidence::MissingColumn(serde_json::from_str(json)?),
            FindingKind::PrivacyLeak => Evidence::PrivacyLeak(serde_json::from_str(json)?),
            FindingKind::AttachmentUnreachable => {
                Evidence::AttachmentUnreachable(serde_json::from_str(json)?)
            }
        })
    }

    /// The links it names (newest item, column page, 解读, policy), each once.
    pub fn links(&self) -> Vec<&str> {
        let all: Vec<Option<&str>> = match self {
            Evidence::StaleColumn(e) => vec![Some(&e.newest_url), e.url.as_deref()],
            Evidence::BlankColumn(e) => vec![e.url.as_deref()],
            Evidence::UnreachableColumn(e) => vec![e.url.as_deref()],
            Evidence::SelectorBroken(e) => vec![e.url.as_deref()],
            Evidence::PartialColumn(e) => vec![e.url.as_deref(), Some(&e.failed_url)],
            Evidence::MissingCategory(_) => vec![],
            Evidence::InterpretationMissing(e) => vec![
                e.interpretation.as_ref().map(|i| i.url.as_str()),
                Some(&e.policy_url),
            ],
            Evidence::LatePublication(e) => vec![Some(&e.url)],
            Evidence::MissingColumn(_) => vec![],
            Evidence::AttachmentUnreachable(e) => e
                .attachments
                .iter()
                .map(|a| Some(a.url.as_str()))
                .chain([Some(e.url.as_str())])
                .collect(),
            Evidence::PrivacyLeak(e) => e
                .places
                .iter()
                .map(|p| Some(p.url.as_str()))
                .chain([Some(e.url.as_str())])
                .collect(),
        };
        let mut links: Vec<&str> = Vec::new();
        for l in all.into_iter().flatten() {
            if !links.contains(&l) {
                links.push(l);
            }
        }
        links
    }
}

/// A list column whose newest item is older than the column allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaleColumn {
    pub url: Option<String>,
    pub newest_date: NaiveDate,
    pub newest_title: String,
    pub newest_url: String,
    pub days_since_update: i64,
    pub max_age_days: i64,
    pub days_overdue: i64,
}

/// A column that reads fine and shows nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlankColumn {
    pub url: Option<String>,
    /// Crawls the evaluation looked at.
    pub crawls: usize,
}

/// A column whose latest crawls all failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnreachableColumn {
    pub url: Option<String>,
    pub consecutive_failures: usize,
    /// When the first of the failed crawls finished (RFC 3339).
    pub since: Option<String>,
    /// The latest crawl's state (`unreachable`, `blocked`).
    pub last_state: String,
    pub last_error: String,
}

/// A column whose profile finds no item on a page that is there, or an `auto` column whose
/// profile had to be found anew.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectorBroken {
    pub url: Option<String>,
    /// The column had items before (a redesign, likely); `None` for a rediscovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_before: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_items: Option<u64>,
    /// The profile was found anew and the crawl went on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rediscovered: bool,
    pub detail: String,
}

/// A column whose latest crawls each read it only in part: a later list page failed or held
/// none of the items it should.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialColumn {
    pub url: Option<String>,
    pub consecutive_partial: usize,
    /// List pages read with their items, by the latest crawl.
    pub pages_read: u64,
    /// The pages the list says it has, when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages_expected: Option<u64>,
    /// The list page (1-based) the latest crawl broke off at.
    pub failed_page: Option<u64>,
    pub failed_url: String,
    pub detail: String,
}

/// A category the department owes for a period, with nothing of it published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingCategory {
    pub category: String,
    /// `2026年`, `2026年第三季度`, …
    pub period: String,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub due: NaiveDate,
    /// Why the department owes it (the task that names it, a column dedicated to it).
    pub owed_because: String,
    pub columns_checked: Vec<String>,
}

/// A policy without its 解读, or with one published late.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterpretationMissing {
    pub policy_title: String,
    pub policy_url: String,
    pub policy_published: NaiveDate,
    pub subject: String,
    pub deadline: NaiveDate,
    pub calendar_estimated: bool,
    /// The late 解读, when there is one.
    pub interpretation: Option<LinkedItem>,
}

/// An item by its title, link and publication date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedItem {
    pub title: String,
    pub url: String,
    pub published: NaiveDate,
}

/// An item published more working days after its 成文日期 than allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatePublication {
    pub title: String,
    pub url: String,
    pub written: NaiveDate,
    pub published: NaiveDate,
    pub working_days: u32,
    pub calendar_estimated: bool,
}

/// A column the department is expected to keep (`catalog::expected`) that no configured
/// column covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingColumn {
    /// The expected column's key (its category id: `annual_report`, `budget_final`, …).
    pub expected: String,
    /// Its standard name (政府信息公开年报).
    pub name: String,
    pub categories: Vec<String>,
    /// Why it is expected (政府信息公开专栏标准栏目，任务11; 牵头任务2).
    pub why: String,
    /// The department's configured columns that were looked at.
    pub columns_checked: Vec<String>,
    /// The targets file confirmed the department's columns (`expected_confirmed`): the
    /// department's finding, not the operator's.
    pub confirmed: bool,
}

/// An item whose published page (later: attachments) shows personal numbers in full: 身份证,
/// bank-card or personal mobile numbers, or masks that leave too much readable. Never a full
/// number: masked samples only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyLeak {
    pub title: String,
    pub url: String,
    pub published: Option<NaiveDate>,
    /// Numbers shown in full, by kind (`id_card`, `id_card15`, `bank_card`, `mobile`).
    pub counts: Vec<PrivacyCount>,
    /// Published masks that show too much, by kind.
    pub weak_masks: Vec<PrivacyCount>,
    /// Of the numbers in full, those with a name beside them.
    pub near_name: u64,
    /// Where they are: page (or attachment) and table column or line, with counts.
    pub places: Vec<PrivacyPlace>,
    /// A few of them, masked (`2208**********123X`).
    pub samples: Vec<String>,
}

impl PrivacyLeak {
    /// Numbers in full, all kinds.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|c| c.count).sum()
    }

    /// Weak masks, all kinds.
    pub fn weak_total(&self) -> u64 {
        self.weak_masks.iter().map(|c| c.count).sum()
    }
}

/// An item whose page links attachments that could not be downloaded (附件无法下载): a reader
/// following the link gets nothing, and the scan could not read them either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentUnreachable {
    pub title: String,
    /// The item's page.
    pub url: String,
    pub attachments: Vec<BrokenAttachment>,
}

/// One attachment that did not download, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenAttachment {
    pub url: String,
    pub reason: String,
}

/// A count of one kind of personal number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyCount {
    /// `id_card`, `id_card15`, `bank_card`, `mobile`.
    pub kind: String,
    /// Its Chinese name (身份证号码).
    pub label: String,
    pub count: u64,
}

/// Where in a published page personal numbers are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyPlace {
    /// The page or attachment.
    pub url: String,
    /// `表格第1个「身份证号码」列`, `正文第3行`.
    pub place: String,
    pub count: u64,
}

/// Where a stored finding stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Unresolved and not waived (or its waiver has run out).
    Open,
    /// Unresolved, silenced by a waiver that still runs.
    Waived,
    /// The condition is gone.
    Resolved,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Waived => "waived",
            FindingStatus::Resolved => "resolved",
        }
    }

    /// Chinese label for reports and tables.
    pub fn label(self) -> &'static str {
        match self {
            FindingStatus::Open => "待整改",
            FindingStatus::Waived => "已说明",
            FindingStatus::Resolved => "已整改",
        }
    }
}

/// Why, by whom and until when a finding was waived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiver {
    /// When (RFC 3339).
    pub at: String,
    pub by: String,
    pub note: String,
    /// Inclusive; `None` for good.
    pub until: Option<NaiveDate>,
}

/// A finding as the store keeps it: the finding as last evaluated, its history and waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFinding {
    pub id: i64,
    pub finding: Finding,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
    pub resolved_at: Option<NaiveDate>,
    pub waiver: Option<Waiver>,
    /// As of the day the store was asked about.
    pub status: FindingStatus,
}

impl StoredFinding {
    /// `F12`: how staff name a finding.
    pub fn label(&self) -> String {
        format!("F{}", self.id)
    }

    pub fn kind(&self) -> FindingKind {
        self.finding.kind()
    }

    /// Unresolved (open or waived).
    pub fn is_unresolved(&self) -> bool {
        self.status != FindingStatus::Resolved
    }
}

/// `gkwatch findings --format json` and `explain --format json` print this shape.
impl Serialize for StoredFinding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            id: String,
            kind: FindingKind,
            status: FindingStatus,
            department: &'a str,
            column: Option<&'a str>,
            task: Option<u32>,
            severity: Severity,
            audience: Audience,
            first_seen: NaiveDate,
            last_seen: NaiveDate,
            resolved_at: Option<NaiveDate>,
            message: &'a str,
            evidence: &'a Evidence,
            waiver: Option<&'a Waiver>,
        }
        let f = &self.finding;
        Json {
            id: self.label(),
            kind: f.kind(),
            status: self.status,
            department: &f.department,
            column: f.column.as_deref(),
            task: f.task,
            severity: f.severity,
            audience: f.audience(),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            resolved_at: self.resolved_at,
            message: &f.message,
            evidence: &f.evidence,
            waiver: self.waiver.as_ref(),
        }
        .serialize(s)
    }
}
