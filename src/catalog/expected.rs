//! The columns a department is expected to keep (issue 15): the standard parts of every
//! 政府信息公开专栏 (the annual report and the disclosure guide) and one column for each
//! category of a task the department leads (责任单位 in the seed's task list). Pure: the
//! catalog and the department names in, the expected columns out; [`uncovered`] says which of
//! them a department's configured (or discovered) columns leave out.
//!
//! Used by evaluation (the `missing_column` finding), `gkwatch departments` and onboarding.
//!
//! ```
//! use gkwatch::catalog::expected::{DepartmentName, HaveColumn, expected_columns, uncovered};
//! # let catalog = gkwatch::config::load_catalog(None).expect("built-in catalog");
//! let per_department = expected_columns(&catalog, &[DepartmentName::new("区财政局")]);
//! let expected = &per_department[0].columns;
//! let have = [HaveColumn::new("政府信息公开年报", &[])];
//! let missing = uncovered(expected, &have);
//! assert!(missing.iter().all(|e| e.key != "annual_report")); // covered by its name
//! assert!(missing.iter().any(|e| e.key == "budget_final")); // 区财政局 leads task 2
//! ```

use super::{Catalog, EVERY_DEPARTMENT};

/// A column a department should have.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExpectedColumn {
    /// Stable: the category id it stands for (`annual_report`, `disclosure_guide`,
    /// `budget_final`, …). Findings' keys and `not_expected` in the targets file use it.
    pub key: String,
    /// The standard column name, in Chinese (政府信息公开年报, 财政预决算).
    pub name: String,
    /// Category ids a configured column must carry to cover it.
    pub categories: Vec<String>,
    /// Why it is expected, in Chinese (政府信息公开专栏标准栏目，任务11; 牵头任务2; 任务1，各部门).
    pub why: String,
}

/// A department as [`expected_columns`] needs it: its name and the other names the task list
/// may give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepartmentName<'a> {
    pub name: &'a str,
    pub aliases: &'a [String],
}

impl<'a> DepartmentName<'a> {
    /// A department without aliases.
    pub fn new(name: &'a str) -> DepartmentName<'a> {
        DepartmentName { name, aliases: &[] }
    }
}

/// One department's expected columns, standard parts first, then by seed task order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DepartmentExpected {
    pub department: String,
    pub columns: Vec<ExpectedColumn>,
}

/// A column a department has: configured in a targets file, or found by onboarding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaveColumn {
    pub name: String,
    /// The category ids it is declared for.
    pub categories: Vec<String>,
}

impl HaveColumn {
    pub fn new(name: &str, categories: &[&str]) -> HaveColumn {
        HaveColumn {
            name: name.to_string(),
            categories: categories.iter().map(|c| (*c).to_string()).collect(),
        }
    }
}

/// A standard part of every 政府信息公开专栏: its key (also its category id), its standard
/// name, and the names (normalised, see [`normalise`]) a column of it goes by.
struct Standard {
    key: &'static str,
    name: &'static str,
    names: &'static [&'static str],
}

/// The standard layout's parts every department keeps, whatever it leads. The key is the
/// category id; a catalog without that category expects no such column.
const STANDARD: [Standard; 2] = [
    Standard {
        key: "annual_report",
        name: "政府信息公开年报",
        names: &["年报", "年度报告", "年度工作报告"],
    },
    Standard {
        key: "disclosure_guide",
        name: "政府信息公开指南",
        names: &["指南"],
    },
];

/// Prefixes a column name drops before it is compared with a standard part's names, longest
/// first (政府信息公开工作年度报告 → 年度报告).
const PREFIXES: [&str; 6] = [
    "政府信息公开",
    "政务信息公开",
    "信息公开",
    "政务公开",
    "公开",
    "工作",
];

/// A column name as compared with the standard parts: no spaces or punctuation, no leading
/// 政府信息公开 / 信息公开 / 工作 ….
pub fn normalise(name: &str) -> String {
    let mut s: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    'strip: loop {
        for p in PREFIXES {
            if let Some(rest) = s.strip_prefix(p)
                && !rest.is_empty()
            {
                s = rest.to_string();
                continue 'strip;
            }
        }
        return s;
    }
}

/// Every department's expected columns, in the order of `departments`: the standard parts
/// (政府信息公开年报 → `annual_report`, 政府信息公开指南 → `disclosure_guide`), then one column
/// per category of each task the department leads (`各部门` leads for every department),
/// each key once.
pub fn expected_columns(
    catalog: &Catalog,
    departments: &[DepartmentName<'_>],
) -> Vec<DepartmentExpected> {
    departments
        .iter()
        .map(|d| DepartmentExpected {
            department: d.name.to_string(),
            columns: for_department(catalog, d),
        })
        .collect()
}

fn for_department(catalog: &Catalog, d: &DepartmentName<'_>) -> Vec<ExpectedColumn> {
    let mut out: Vec<ExpectedColumn> = Vec::new();
    for s in &STANDARD {
        if catalog.category(s.key).is_none() {
            continue;
        }
        let why = match catalog.task_for(s.key) {
            Some(t) => format!("政府信息公开专栏标准栏目，任务{}", t.number),
            None => "政府信息公开专栏标准栏目".to_string(),
        };
        out.push(ExpectedColumn {
            key: s.key.to_string(),
            name: s.name.to_string(),
            categories: vec![s.key.to_string()],
            why,
        });
    }
    for task in &catalog.tasks {
        let Some(cat_id) = task.category.as_deref() else {
            continue;
        };
        if !task.led_by(d.name, d.aliases) || out.iter().any(|e| e.key == cat_id) {
            continue;
        }
        let Some(cat) = catalog.category(cat_id) else {
            continue;
        };
        let why = if task.lead.iter().any(|u| u == EVERY_DEPARTMENT) {
            format!("任务{}，{}", task.number, EVERY_DEPARTMENT)
        } else {
            format!("牵头任务{}", task.number)
        };
        out.push(ExpectedColumn {
            key: cat_id.to_string(),
            name: cat.name.clone(),
            categories: vec![cat_id.to_string()],
            why,
        });
    }
    out
}

/// The expected columns no column in `have` covers, in `expected`'s order. A column covers
/// an expected one when it carries all of its categories, or, for a standard part (年报,
/// 指南), when its name is the part's after [`normalise`] (信息公开年报, 政府信息公开工作年度报告,
/// 年度报告; 政府信息公开指南).
pub fn uncovered<'e>(
    expected: &'e [ExpectedColumn],
    have: &[HaveColumn],
) -> Vec<&'e ExpectedColumn> {
    expected
        .iter()
        .filter(|e| !have.iter().any(|h| covers(h, e)))
        .collect()
}

fn covers(have: &HaveColumn, expected: &ExpectedColumn) -> bool {
    let by_categories = !expected.categories.is_empty()
        && expected
            .categories
            .iter()
            .all(|c| have.categories.iter().any(|h| h == c));
    by_categories
        || STANDARD
            .iter()
            .filter(|s| s.key == expected.key)
            .any(|s| s.names.contains(&normalise(&have.name).as_str()))
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;
    use crate::catalog::{Category, Deadline, Task};

    fn catalog() -> Catalog {
        let cat = |id: &str, name: &str| Category {
            id: id.into(),
            name: name.into(),
            tasks: vec![],
            include: vec![Regex::new("x").expect("re")],
            exclude: vec![],
            expect: None,
        };
        let task = |number: u32, category: Option<&str>, lead: &[&str]| Task {
            number,
            section: "一".into(),
            section_title: String::new(),
            heading: "（一）".into(),
            heading_title: String::new(),
            summary: String::new(),
            units_text: format!("{}牵头", lead.join("、")),
            lead: lead.iter().map(|s| s.to_string()).collect(),
            deadline_text: String::new(),
            category: category.map(str::to_string),
            deadline: Deadline::Continuous,
        };
        Catalog {
            categories: vec![
                cat("org_functions", "机构职能"),
                cat("budget_final", "财政预决算"),
                cat("annual_report", "政府信息公开工作年度报告"),
                cat("disclosure_guide", "政府信息公开指南与依申请公开"),
                cat("agri_subsidy", "涉农补贴"),
            ],
            tasks: vec![
                task(1, Some("org_functions"), &["各部门"]),
                task(2, Some("budget_final"), &["区财政局"]),
                task(11, Some("annual_report"), &["区政府办"]),
                task(16, Some("agri_subsidy"), &["区财政局", "区农业农村局"]),
                task(23, None, &["各部门"]),
                task(33, Some("disclosure_guide"), &["区政府办"]),
            ],
        }
    }

    fn keys(cols: &[ExpectedColumn]) -> Vec<&str> {
        cols.iter().map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn expected_per_department() {
        let aliases = ["农业农村局".to_string()];
        const STD: [&str; 3] = ["annual_report", "disclosure_guide", "org_functions"];
        let cases: &[(DepartmentName<'_>, &[&str])] = &[
            (
                DepartmentName::new("区财政局"),
                &["budget_final", "agri_subsidy"],
            ),
            // Leading the standard parts' own tasks adds nothing twice.
            (DepartmentName::new("区政府办"), &[]),
            (DepartmentName::new("区档案馆"), &[]),
            (
                DepartmentName {
                    name: "区农业局",
                    aliases: &aliases,
                },
                &[],
            ),
            (
                DepartmentName {
                    name: "区农业农村局",
                    aliases: &[],
                },
                &["agri_subsidy"],
            ),
        ];
        let cat = catalog();
        let names: Vec<DepartmentName<'_>> = cases.iter().map(|(d, _)| *d).collect();
        let got = expected_columns(&cat, &names);
        assert_eq!(got.len(), cases.len());
        for ((d, led), e) in cases.iter().zip(&got) {
            assert_eq!(e.department, d.name);
            let mut want: Vec<&str> = STD.to_vec();
            want.extend_from_slice(led);
            assert_eq!(keys(&e.columns), want, "{}", d.name);
        }
        // An alias that is not the lead's name leads nothing; the lead's alias does.
        let by_alias = expected_columns(
            &cat,
            &[DepartmentName {
                name: "农业农村和水利局",
                aliases: &["区农业农村局".to_string()],
            }],
        );
        assert!(keys(&by_alias[0].columns).contains(&"agri_subsidy"));
        let fin = &got[0].columns;
        assert_eq!(fin[0].name, "政府信息公开年报");
        assert_eq!(fin[1].name, "政府信息公开指南");
        assert_eq!(fin[0].why, "政府信息公开专栏标准栏目，任务11");
        assert_eq!(fin[3].name, "财政预决算");
        assert_eq!(fin[3].why, "牵头任务2");
        // 各部门 is every department's task, not one it leads.
        assert_eq!(fin[2].why, "任务1，各部门");
    }

    #[test]
    fn a_catalog_without_the_standard_categories_expects_no_such_column() {
        let mut cat = catalog();
        cat.categories.retain(|c| c.id != "disclosure_guide");
        cat.tasks.retain(|t| t.number != 33);
        let got = expected_columns(&cat, &[DepartmentName::new("区财政局")]);
        assert!(!keys(&got[0].columns).contains(&"disclosure_guide"));
        assert!(keys(&got[0].columns).contains(&"annual_report"));
        assert!(
            expected_columns(&Catalog::default(), &[DepartmentName::new("区财政局")])[0]
                .columns
                .is_empty()
        );
    }

    #[test]
    fn names_normalised() {
        let cases = [
            ("政府信息公开年报", "年报"),
            ("政府信息公开工作年度报告", "年度报告"),
            (" 信息公开 · 年报 ", "年报"),
            ("【政府信息公开指南】", "指南"),
            ("公开指南", "指南"),
            ("年度报告", "年度报告"),
            // Never stripped to nothing.
            ("信息公开", "信息公开"),
            ("财政预决算", "财政预决算"),
        ];
        for (name, want) in cases {
            assert_eq!(normalise(name), want, "{name}");
        }
    }

    #[test]
    fn what_covers_an_expected_column() {
        let cat = catalog();
        let expected = expected_columns(&cat, &[DepartmentName::new("区财政局")])
            .remove(0)
            .columns;
        const ALL: [&str; 5] = [
            "annual_report",
            "disclosure_guide",
            "org_functions",
            "budget_final",
            "agri_subsidy",
        ];
        let cases: &[(&str, &[HaveColumn], &[&str])] = &[
            ("nothing configured", &[], &ALL),
            (
                "by categories",
                &[HaveColumn {
                    name: "预决算公开".into(),
                    categories: vec!["budget_final".into(), "org_functions".into()],
                }],
                &["annual_report", "disclosure_guide", "agri_subsidy"],
            ),
            (
                "standard parts by name",
                &[
                    HaveColumn {
                        name: "政府信息公开工作年度报告".into(),
                        categories: vec![],
                    },
                    HaveColumn {
                        name: "信息公开指南".into(),
                        categories: vec![],
                    },
                ],
                &["org_functions", "budget_final", "agri_subsidy"],
            ),
            (
                "standard parts by category",
                &[HaveColumn {
                    name: "依申请公开".into(),
                    categories: vec!["disclosure_guide".into(), "annual_report".into()],
                }],
                &["org_functions", "budget_final", "agri_subsidy"],
            ),
            (
                // A led category's column is known by its categories, never by its name.
                "a led category by name only",
                &[HaveColumn {
                    name: "财政预决算".into(),
                    categories: vec![],
                }],
                &ALL,
            ),
            (
                "a name that only contains a part's word",
                &[HaveColumn {
                    name: "政府网站工作年度报表".into(),
                    categories: vec![],
                }],
                &ALL,
            ),
        ];
        for (what, have, want) in cases {
            let got: Vec<&str> = uncovered(&expected, have)
                .iter()
                .map(|e| e.key.as_str())
                .collect();
            assert_eq!(got, *want, "{what}");
        }
    }
}
