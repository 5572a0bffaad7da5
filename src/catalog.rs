//! The district's task catalog: the 47 tasks of the 2023 task list (政务公开重点工作任务清单)
//! and the disclosure categories they ask departments to publish, with the patterns that
//! recognise a category in a title. Written in `targets/tasks.toml`, compiled by
//! [`crate::config::load_catalog`], read by classification and evaluation.

pub mod expected;

use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;

/// A disclosure category (`budget_final`, `policy_interpretation`, …).
#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    /// Chinese name (财政预决算).
    pub name: String,
    /// Seed task numbers.
    pub tasks: Vec<u32>,
    /// A title matching any of these (and none of `exclude`) has the category.
    pub include: Vec<Regex>,
    pub exclude: Vec<Regex>,
    /// The periodic duty a responsible department has, if any.
    pub expect: Option<Expect>,
}

/// How often a category must be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Year,
    HalfYear,
    Quarter,
}

/// A periodic duty: at least one item of the category each period, out by `due`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub every: Period,
    /// Month and day inside the period by which its item must be out; `None`: by the end of
    /// the period (so only complete periods are checked).
    pub due: Option<(u32, u32)>,
    /// Shown in findings (本年度部门预算及上年度部门决算).
    pub note: String,
}

/// When an item of a task must be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deadline {
    /// Within `days` working days of an event (`creation`, `decision`, `policy`, `draft`).
    WithinWorkingDays {
        days: u32,
        from: String,
    },
    /// Within `days` calendar days of an event.
    WithinDays {
        days: u32,
        from: String,
    },
    Periodic {
        every: Period,
    },
    ByDate {
        date: NaiveDate,
    },
    /// The dates the 政府信息公开条例 sets (the annual report by 31 January).
    Statutory,
    Continuous,
}

/// One task of the seed.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub number: u32,
    pub section: String,
    pub section_title: String,
    pub heading: String,
    pub heading_title: String,
    pub summary: String,
    /// 责任单位 as the seed writes it.
    pub units_text: String,
    /// The units that lead; `各部门` means every department.
    pub lead: Vec<String>,
    pub deadline_text: String,
    pub category: Option<String>,
    pub deadline: Deadline,
}

impl Task {
    /// Whether `department` (or one of its aliases) leads this task.
    pub fn led_by(&self, department: &str, aliases: &[String]) -> bool {
        self.lead
            .iter()
            .any(|u| u == EVERY_DEPARTMENT || u == department || aliases.iter().any(|a| a == u))
    }
}

/// The lead unit meaning "every department".
pub const EVERY_DEPARTMENT: &str = "各部门";

/// Categories and tasks.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub categories: Vec<Category>,
    pub tasks: Vec<Task>,
}

impl Catalog {
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The first task that asks for `category` (the one a finding cites).
    pub fn task_for(&self, category: &str) -> Option<&Task> {
        self.tasks
            .iter()
            .find(|t| t.category.as_deref() == Some(category))
    }
}
